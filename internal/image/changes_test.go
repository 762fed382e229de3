package image

import (
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestApplyChanges(t *testing.T) {
	var c v1.Config
	err := ApplyChanges(&c, []string{
		`CMD ["sh", "-c", "echo hi"]`, `ENTRYPOINT /init --flag`, `ENV A=1 B="two words"`, `ENV LEGACY value with spaces`,
		`WORKDIR /srv`, `USER 1000:1000`, `EXPOSE 80 53/udp`, `LABEL a=b "c"=d`, `VOLUME ["/data"]`, `STOPSIGNAL SIGINT`, `env A=3`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := v1.Config{
		Cmd: []string{"sh", "-c", "echo hi"}, Entrypoint: []string{"/bin/sh", "-c", "/init --flag"},
		Env: []string{"A=3", "B=two words", "LEGACY=value with spaces"}, WorkingDir: "/srv", User: "1000:1000",
		ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}}, Labels: map[string]string{"a": "b", "c": "d"},
		Volumes: map[string]struct{}{"/data": {}}, StopSignal: "SIGINT",
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("config = %+v\nwant %+v", c, want)
	}
	for _, bad := range []string{"RUN make", "CMD", "ENV =x"} {
		if err := ApplyChanges(&c, []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
