package link

import (
	"net/netip"
	"testing"
)

func TestMACFor(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want string
	}{
		{"10.88.0.2", "02:42:0a:58:00:02"},
		{"172.17.0.2", "02:42:ac:11:00:02"},
		{"255.255.255.254", "02:42:ff:ff:ff:fe"},
		{"::ffff:10.88.0.3", "02:42:0a:58:00:03"},
		{"fd00::2", ""},
	} {
		got := MACFor(netip.MustParseAddr(tc.ip))
		if got.String() != tc.want {
			t.Errorf("MACFor(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
	if got := MACFor(netip.Addr{}); got != nil {
		t.Errorf("MACFor(zero) = %q, want nil", got)
	}
}
