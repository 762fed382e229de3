package runtime

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestInitSpecCarriesWhatInitReads sends a spec through the init config's
// JSON as the runtime does and checks that everything the container's
// process reads arrives, and that what it never reads stays behind.
func TestInitSpecCarriesWhatInitReads(t *testing.T) {
	limit := int64(10)
	full := &specs.Spec{
		Root:       &specs.Root{Path: "rootfs", Readonly: true},
		Mounts:     []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid"}}},
		Hooks:      &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}}}},
		Hostname:   "box",
		Domainname: "example.org",
		Process:    &specs.Process{Args: []string{"sh"}},
		Linux: &specs.Linux{
			Namespaces:        []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}},
			Devices:           []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
			RootfsPropagation: "rslave",
			MaskedPaths:       []string{"/proc/kcore"},
			ReadonlyPaths:     []string{"/proc/sys"},
			MountLabel:        "system_u:object_r:container_file_t:s0",
			Sysctl:            map[string]string{"net.ipv4.ip_forward": "1"},
			Personality:       &specs.LinuxPersonality{Domain: specs.PerLinux32},
			Resources:         &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}},
			Seccomp:           &specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
			CgroupsPath:       "/hull/x",
		},
		Annotations: map[string]string{"a": "b"},
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(&initConfig{Spec: newInitSpec(full)}); err != nil {
		t.Fatal(err)
	}
	var got initConfig
	if err := json.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := *full
	want.Process, want.Annotations = nil, nil
	linux := *full.Linux
	linux.Resources, linux.Seccomp, linux.CgroupsPath = nil, nil, ""
	want.Linux = &linux
	if spec := got.Spec.spec(); !reflect.DeepEqual(spec, &want) {
		t.Errorf("the init read\n%+v\nwant\n%+v", spec, &want)
	}
}
