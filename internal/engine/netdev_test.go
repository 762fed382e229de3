package engine

import (
	"strings"
	"testing"
)

func TestParseNetDev(t *testing.T) {
	const netdev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
  eth0:    1296      12    0    1    0     0          0         0      726       7    0    0    0     0       0          0
`
	got := parseNetDev(strings.NewReader(netdev))
	if len(got) != 1 {
		t.Fatalf("got %v", got)
	}
	eth0 := got["eth0"]
	if eth0.RxBytes != 1296 || eth0.RxPackets != 12 || eth0.RxDropped != 1 || eth0.TxBytes != 726 || eth0.TxPackets != 7 {
		t.Fatalf("eth0 = %+v", eth0)
	}
}
