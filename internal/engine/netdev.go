package engine

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// InterfaceIO is one interface's traffic, as docker's stats networks
// report it.
type InterfaceIO struct {
	RxBytes, RxPackets, RxErrors, RxDropped uint64
	TxBytes, TxPackets, TxErrors, TxDropped uint64
}

// parseNetDev reads /proc/PID/net/dev: each interface but loopback.
func parseNetDev(r io.Reader) map[string]InterfaceIO {
	out := map[string]InterfaceIO{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		name = strings.TrimSpace(name)
		if !ok || name == "lo" || strings.Contains(name, "|") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 16 {
			continue
		}
		n := make([]uint64, 16)
		for i := range n {
			n[i], _ = strconv.ParseUint(f[i], 10, 64)
		}
		out[name] = InterfaceIO{RxBytes: n[0], RxPackets: n[1], RxErrors: n[2], RxDropped: n[3],
			TxBytes: n[8], TxPackets: n[9], TxErrors: n[10], TxDropped: n[11]}
	}
	return out
}
