package seccomp

import (
	"encoding/json"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestProgramJSONRoundTrip(t *testing.T) {
	p := &Program{Instructions: []unix.SockFilter{{Code: 0x20, Jt: 1, Jf: 2, K: 4}, {Code: 0x6, K: 0x7fff0000}}, Flags: 3}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Program
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, &back) {
		t.Fatalf("round trip: %+v -> %s -> %+v", p, data, back)
	}
	if err := json.Unmarshal([]byte(`{"bpf":"AQID"}`), &back); err == nil {
		t.Fatal("3 bytes accepted as a program")
	}
}

func BenchmarkProgramJSON(b *testing.B) {
	p, err := DockerDefault(nil)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d instructions", len(prog.Instructions))
	for b.Loop() {
		data, _ := json.Marshal(prog)
		var back Program
		json.Unmarshal(data, &back)
	}
}
