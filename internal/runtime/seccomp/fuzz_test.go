package seccomp

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FuzzValidate feeds JSON profiles to Validate, which must answer without
// panicking. A profile it accepts must also survive a JSON round trip
// unchanged in verdict. Seeds are in testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`))
	f.Add(dockerDefaultJSON)
	f.Fuzz(func(t *testing.T, data []byte) {
		var s specs.LinuxSeccomp
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		if Validate(&s) != nil {
			return
		}
		again, err := json.Marshal(&s)
		if err != nil {
			t.Fatalf("marshal a valid profile: %v", err)
		}
		var s2 specs.LinuxSeccomp
		if err := json.Unmarshal(again, &s2); err != nil {
			t.Fatalf("unmarshal a marshalled profile: %v", err)
		}
		if err := Validate(&s2); err != nil {
			t.Fatalf("valid profile invalid after a round trip: %v", err)
		}
	})
}
