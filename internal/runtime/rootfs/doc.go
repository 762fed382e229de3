// Package rootfs builds a container's root file system inside its new mount
// namespace: it runs in the container's init process, after the namespaces
// exist and before the user's program is executed.
//
// The work is split in the order runc established, and the order is the
// contract:
//
//  1. Prepare (before pivot_root): make "/" a slave (rslave by default) so
//     nothing we do propagates back to the host; bind the rootfs onto itself
//     so it is a mount point we can pivot to; perform the spec's mounts in
//     their order (a later mount may sit inside an earlier one, and each
//     destination is resolved again, inside the rootfs, when its turn comes);
//     then create the device nodes and /dev symlinks, which need the /dev
//     tmpfs to exist already.
//  2. Pivot: pivot_root(".", ".") into the rootfs and detach the old root, or
//     MS_MOVE + chroot with NoPivot.
//  3. BindConsole (optional): bind the pty slave onto /dev/console.
//  4. Finish (after pivot, and after sysctls are written): remount read-only
//     what had to stay writable while files were created in it (ro tmpfs,
//     ro /dev), make readonly paths read-only, mask masked paths, make the
//     root read-only, and apply the rootfs propagation last, so none of the
//     earlier steps is seen by a shared peer half done.
//
// Every destination inside the rootfs is resolved with openat2 and
// RESOLVE_IN_ROOT, so a symlink in an untrusted image cannot point a mount
// at the host; the mount is then done onto the /proc/self/fd path of the
// opened O_PATH descriptor, and the destination is checked again afterwards.
// All privileged calls go through the small mounter interface, which lets
// the tests record the mount plan without root.
package rootfs
