package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sharesToWeight converts v1 cpu.shares (2..262144) to v2 cpu.weight
// (1..10000) with runc's formula, so both versions split the CPU alike.
func sharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// blkioWeightToIOWeight converts a v1 blkio weight (10..1000) to v2
// io.weight (1..10000) with runc's formula.
func blkioWeightToIOWeight(weight uint16) uint64 {
	w := uint64(min(max(weight, 10), 1000))
	return 1 + (w-10)*9999/990
}

// swapV2 converts the OCI memory.swap (memory plus swap, as v1's memsw) to
// v2 memory.swap.max (swap alone). "" means leave it alone.
func swapV2(limit, swap int64) (string, error) {
	if limit == -1 && swap == 0 {
		// Unlimited memory without a word on swap: swap unlimited too.
		return "max", nil
	}
	switch {
	case swap == 0:
		return "", nil
	case swap == -1:
		return "max", nil
	case swap < -1:
		return "", fmt.Errorf("invalid memory.swap %d", swap)
	case limit <= 0:
		return "", errors.New("memory.swap needs a memory.limit")
	case swap < limit:
		return "", fmt.Errorf("memory.swap %d is below memory.limit %d, but it counts memory plus swap", swap, limit)
	}
	return strconv.FormatInt(swap-limit, 10), nil
}

// maxOrNumber formats a v2 limit: negative means no limit, "max".
func maxOrNumber(n int64) string {
	if n < 0 {
		return "max"
	}
	return strconv.FormatInt(n, 10)
}

// cpuMax formats v2 cpu.max from the OCI quota and period. A missing half is
// kept from current (the file's present content, "max 100000" by default).
func cpuMax(quota *int64, period *uint64, current string) string {
	cur := strings.Fields(current)
	q, p := "max", "100000"
	if len(cur) == 2 {
		q, p = cur[0], cur[1]
	}
	if quota != nil && *quota != 0 {
		q = maxOrNumber(*quota)
	}
	if period != nil && *period != 0 {
		p = strconv.FormatUint(*period, 10)
	}
	return q + " " + p
}

// pidsMax formats pids.max: a limit of zero or less means no limit.
func pidsMax(limit int64) string {
	if limit <= 0 {
		return "max"
	}
	return strconv.FormatInt(limit, 10)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
