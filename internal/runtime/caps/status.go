package caps

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseStatus reads the CapInh, CapPrm, CapEff, CapBnd and CapAmb lines of a
// /proc/<pid>/status file into a Set. Every one of the five lines must be
// present.
func ParseStatus(r io.Reader) (*Set, error) {
	s := &Set{}
	fields := map[string]*Mask{
		"CapInh": &s.Inheritable,
		"CapPrm": &s.Permitted,
		"CapEff": &s.Effective,
		"CapBnd": &s.Bounding,
		"CapAmb": &s.Ambient,
	}
	seen := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		dst, want := fields[key]
		if !ok || !want {
			continue
		}
		m, err := strconv.ParseUint(strings.TrimSpace(value), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("caps: parse status line %s: %w", key, err)
		}
		*dst = Mask(m)
		delete(fields, key)
		seen++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("caps: read status: %w", err)
	}
	if len(fields) > 0 {
		return nil, fmt.Errorf("caps: status has %d of the 5 Cap lines", seen)
	}
	return s, nil
}
