// Package progress prints pull and push progress as the docker CLI does:
// on a terminal one line per layer, rewritten in place as it moves; into a
// pipe or file one plain line per status change.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/hull-project/hull/internal/image"
)

// Writer renders image.Progress events. It is safe for concurrent use.
type Writer struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	index map[string]int    // layer id -> its line, counted from the first
	last  map[string]string // layer id -> last status printed (plain mode)
	lines int
}

// New returns a Writer on w; tty selects in-place updates.
func New(w io.Writer, tty bool) *Writer {
	return &Writer{w: w, tty: tty, index: map[string]int{}, last: map[string]string{}}
}

// Update renders one event; use it as an image.ProgressFunc.
func (p *Writer) Update(ev image.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.ID == "" {
		fmt.Fprintln(p.w, ev.Status)
		return
	}
	if p.tty {
		p.updateTTY(ev)
		return
	}
	if ev.Total > 0 || p.last[ev.ID] == ev.Status {
		return // moving counters only make sense on a terminal
	}
	p.last[ev.ID] = ev.Status
	fmt.Fprintf(p.w, "%s: %s\n", ev.ID, ev.Status)
}

func (p *Writer) updateTTY(ev image.Progress) {
	text := Line(ev)
	i, ok := p.index[ev.ID]
	if !ok {
		p.index[ev.ID] = p.lines
		p.lines++
		fmt.Fprintf(p.w, "%s\n", text)
		return
	}
	up := p.lines - i
	fmt.Fprintf(p.w, "\x1b[%dA\x1b[2K\r%s\x1b[%dB\r", up, text, up)
}

// Line formats one layer's line: "<id>: <status> [==>  ]  1.2MB/3.4MB".
func Line(ev image.Progress) string {
	s := ev.ID + ": " + ev.Status
	if bar := Bar(ev.Current, ev.Total); bar != "" {
		s += " " + bar
	}
	return s
}

// Bar is Docker's progress bar: 50 cells and the byte counts.
func Bar(current, total int64) string {
	if current <= 0 && total <= 0 {
		return ""
	}
	if total <= 0 {
		return fmt.Sprintf("%8v", HumanSize(current))
	}
	filled := int(float64(current)/float64(total)*100) / 2
	filled = min(max(filled, 0), 50)
	box := "[" + strings.Repeat("=", filled) + ">" + strings.Repeat(" ", 50-filled) + "] "
	return box + fmt.Sprintf("%8v/%v", HumanSize(current), HumanSize(total))
}

// HumanSize is go-units' HumanSize: decimal units, four significant digits
// ("1.234MB").
func HumanSize(n int64) string { return HumanSizePrecision(n, 4) }

// HumanSizePrecision formats n bytes with the given significant digits,
// as `docker images` (3) and progress bars (4) do.
func HumanSizePrecision(n int64, precision int) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	size, i := float64(n), 0
	for size >= 1000 && i < len(units)-1 {
		size /= 1000
		i++
	}
	return fmt.Sprintf("%.*g%s", precision, size, units[i])
}
