//go:build !linux

package cgroups

import "github.com/hull-project/hull/internal/errdefs"

func (h *host) manager(string, string) (Manager, error) {
	return nil, errdefs.NotImplemented("cgroups are a Linux feature")
}

func loadManager(map[string]string) (Manager, error) {
	return nil, errdefs.NotImplemented("cgroups are a Linux feature")
}
