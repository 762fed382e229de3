// Command mkimage-busybox writes a busybox image, made from Debian's
// busybox-static, as a `docker save` archive to standard output. The setup
// script loads it into hull as busybox:latest, so that the first
// `hull run busybox echo hello world` works on a machine that can reach no
// registry.
package main

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/internal/testutil/busybox"
)

func main() {
	tag := "busybox:latest"
	if len(os.Args) > 1 {
		tag = os.Args[1]
	}
	if err := busybox.DockerArchive(os.Stdout, tag); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage-busybox:", err, "(is busybox-static installed?)")
		os.Exit(1)
	}
}
