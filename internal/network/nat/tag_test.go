package nat

import "testing"

func TestTagRoundTrip(t *testing.T) {
	for _, tb := range []Table{{}, {Name: "hulltest42"}} {
		for _, g := range []tag{
			{kind: kindNet, subject: "hull0"},
			{kind: kindPort, subject: "4f3c2b1a"},
			{kind: kindJump, subject: chainPorts},
		} {
			got, ok := tb.tagOf(tb.userData(g))
			if !ok || got != g {
				t.Errorf("table %q: tagOf(userData(%v)) = %v, %v", tb.name(), g, got, ok)
			}
		}
	}
}

func TestTagText(t *testing.T) {
	// The default table's tags read as the rules' owners: hull:net:BRIDGE.
	if got := (Table{}).encodeTag(tag{kind: kindNet, subject: "hull0"}); got != "hull:net:hull0" {
		t.Errorf("encodeTag = %q, want hull:net:hull0", got)
	}
	// NFTNL_UDATA_RULE_COMMENT, length with the NUL, the string, the NUL:
	// what nft writes for `comment "hull:port:c1"`.
	want := append([]byte{0, 13}, "hull:port:c1\x00"...)
	if got := (Table{}).userData(tag{kind: kindPort, subject: "c1"}); string(got) != string(want) {
		t.Errorf("userData = %q, want %q", got, want)
	}
}

func TestTagOfForeignData(t *testing.T) {
	hull := Table{}
	for _, tc := range []struct {
		name  string
		udata []byte
	}{
		{"none", nil},
		{"other table", Table{Name: "hulltest1"}.userData(tag{kind: kindNet, subject: "br0"})},
		{"prefix of another table", append([]byte{0, 14}, "hullx:net:br0\x00"...)},
		{"someone's comment", append([]byte{0, 6}, "hello\x00"...)},
		{"no subject", append([]byte{0, 10}, "hull:net:\x00"...)},
		{"truncated record", []byte{0, 40, 'h', 'u'}},
		{"odd byte", []byte{0}},
	} {
		if g, ok := hull.tagOf(tc.udata); ok {
			t.Errorf("%s: tagOf(%q) = %v, want none", tc.name, tc.udata, g)
		}
	}
	// A comment after another record is still found.
	udata := append([]byte{1, 4, 0, 0, 0, 0}, hull.userData(tag{kind: kindNet, subject: "br0"})...)
	if g, ok := hull.tagOf(udata); !ok || g.subject != "br0" {
		t.Errorf("tagOf after another record = %v, %v", g, ok)
	}
}
