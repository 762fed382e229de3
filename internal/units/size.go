package units

import (
	"fmt"
	"strconv"
	"strings"
)

// Decimal (SI) and binary (IEC) multiples of a byte.
const (
	KB = 1000
	MB = 1000 * KB
	GB = 1000 * MB
	TB = 1000 * GB
	PB = 1000 * TB

	KiB = 1024
	MiB = 1024 * KiB
	GiB = 1024 * MiB
	TiB = 1024 * GiB
	PiB = 1024 * TiB
)

var (
	decimalAbbrs = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	binaryAbbrs  = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}

	decimalMap = map[byte]int64{'k': KB, 'm': MB, 'g': GB, 't': TB, 'p': PB}
	binaryMap  = map[byte]int64{'k': KiB, 'm': MiB, 'g': GiB, 't': TiB, 'p': PiB}
)

// scale divides size by base until it is below base (or the units run out)
// and returns it with its unit.
func scale(size, base float64, abbrs []string) (float64, string) {
	i := 0
	for size >= base && i < len(abbrs)-1 {
		size /= base
		i++
	}
	return size, abbrs[i]
}

// HumanSize returns size in decimal units with three significant digits,
// as `docker images` and `docker ps -s` print sizes: "1.23MB", "796kB".
func HumanSize(size float64) string {
	return HumanSizeWithPrecision(size, 3)
}

// HumanSizeWithPrecision returns size in decimal units with precision
// significant digits; go-units' own HumanSize uses 4.
func HumanSizeWithPrecision(size float64, precision int) string {
	size, unit := scale(size, 1000, decimalAbbrs)
	return fmt.Sprintf("%.*g%s", precision, size, unit)
}

// BytesSize returns size in binary units with four significant digits, as
// `docker stats` prints memory: "1.5MiB", "44KiB".
func BytesSize(size float64) string {
	size, unit := scale(size, 1024, binaryAbbrs)
	return fmt.Sprintf("%.4g%s", size, unit)
}

// FromHumanSize parses a size in decimal units: "44kB", "17MB", "1.5 GB".
func FromHumanSize(size string) (int64, error) {
	return parseSize(size, decimalMap)
}

// RAMInBytes parses a size in binary units, as --memory and --shm-size take
// them: "512m", "1g", "100k", "1024b", "2GiB". Units are case-insensitive
// and the "b" is optional.
func RAMInBytes(size string) (int64, error) {
	return parseSize(size, binaryMap)
}

// parseSize follows go-units: a non-negative number, an optional single
// space, then an optional suffix: "b", or a unit letter followed by
// nothing, "b" or "ib".
func parseSize(s string, units map[byte]int64) (int64, error) {
	sep := strings.LastIndexAny(s, "0123456789. ")
	if sep == -1 {
		return -1, fmt.Errorf("invalid size: '%s'", s)
	}
	num, sfx := s[:sep+1], s[sep+1:]
	if s[sep] == ' ' {
		num = s[:sep]
	}
	size, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return -1, fmt.Errorf("invalid size: '%s'", s)
	}
	if size < 0 {
		return -1, fmt.Errorf("invalid size: '%s'", s)
	}
	mul, err := suffixMultiplier(strings.ToLower(sfx), units)
	if err != nil {
		return -1, err
	}
	return int64(size * float64(mul)), nil
}

func suffixMultiplier(sfx string, units map[byte]int64) (int64, error) {
	switch {
	case sfx == "" || sfx == "b":
		return 1, nil
	case len(sfx) > 3:
		return 0, fmt.Errorf("invalid suffix: '%s'", sfx)
	}
	mul, ok := units[sfx[0]]
	if !ok || (len(sfx) == 2 && sfx[1] != 'b') || (len(sfx) == 3 && sfx[1:] != "ib") {
		return 0, fmt.Errorf("invalid suffix: '%s'", sfx)
	}
	return mul, nil
}
