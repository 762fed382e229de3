// Package snapshot keeps image layers unpacked once each and builds every
// container's root as an overlay of them plus the container's own writable
// layer (containerd's snapshotter idea, simplified). Mounts are returned as
// data; Apply mounts them, in the caller's mount namespace.
//
// On-disk layout under the store root (e.g. /var/lib/hull/snapshots):
//
//	layers/<chainid-hex>/fs        the layer's own files, overlayfs whiteouts
//	layers/<chainid-hex>/size      unpacked size in bytes, decimal
//	containers/<id>/upper          the container's writable layer
//	containers/<id>/work           overlayfs work dir
//	containers/<id>/merged         a place to mount the root, if the caller wants
//	containers/<id>/lower/<n>      symlink to layer n's fs (0 = bottom), for
//	                               short lowerdir names when a long chain would
//	                               not fit overlay's one-page mount data
//	containers/<id>/layers.json    the chain ids, bottom first
//	tmp/                           layers and containers being made or removed
//	locks/<chainid-hex>.lock       flock held while a layer is unpacked
//
// A layer or container appears by renaming a finished directory from tmp/
// into place and disappears by renaming it back to tmp/ before deletion, so
// a reader never sees one half-made or half-removed. The store does not count
// references: the engine must not remove a layer a container still uses.
package snapshot
