package main

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/runtime/caps"
	"github.com/hull-project/hull/internal/runtime/rootfs"
	"github.com/hull-project/hull/internal/runtime/seccomp"
)

func newFeaturesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "features",
		Short: "Print what this runtime supports, as the OCI features document",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return printJSON(runtimeFeatures())
		},
	}
}

func runtimeFeatures() *features.Features {
	yes, no := true, false
	actions, archs, flags := seccomp.Supported()
	_, apparmorErr := os.Stat("/sys/kernel/security/apparmor")
	apparmor := apparmorErr == nil
	_, selinuxErr := os.Stat("/sys/fs/selinux/enforce")
	selinux := selinuxErr == nil
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  rootfs.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"},
			Capabilities: caps.Names(),
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: &no},
			Seccomp: &features.Seccomp{
				Enabled: &yes, Actions: actions, Operators: seccomp.Operators(),
				Archs: archs, KnownFlags: seccomp.KnownFlags(), SupportedFlags: flags,
			},
			Apparmor:        &features.Apparmor{Enabled: &apparmor},
			Selinux:         &features.Selinux{Enabled: &selinux},
			IntelRdt:        &features.IntelRdt{Enabled: &no},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &no}},
		},
		Annotations: map[string]string{
			"org.opencontainers.runtime-spec.features.runtime.name":    "hull-runtime",
			"org.opencontainers.runtime-spec.features.runtime.version": version,
		},
	}
}
