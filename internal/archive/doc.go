// Package archive moves image layers between tar streams and directories,
// safely: Apply unpacks an OCI layer tar into a layer directory (turning OCI
// whiteouts into overlayfs whiteouts), WriteTree writes a directory tree back
// out as a tar, and Decompress undoes gzip or zstd compression.
//
// Apply never follows a symlink while writing. Every parent directory is
// resolved from a file descriptor of the layer directory with openat2
// (RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|RESOLVE_NO_XDEV), and every file is
// created with an *at call on that parent's descriptor, so an entry can only
// ever land inside the layer directory. Entries that would leave it (a ".."
// that escapes, a path through a symlink, a hard link to something outside the
// layer or missing) make Apply fail; absolute names are read relative to the
// layer, as Docker does.
//
// Whiteouts, on disk (overlayfs's format):
//
//	tar entry            layer directory
//	dir/.wh.NAME         dir/NAME: character device 0/0
//	dir/.wh..wh..opq     dir: xattr trusted.overlay.opaque="y"
//	dir/.wh..wh.*        ignored (aufs metadata)
//
// Other trusted.overlay.* xattrs in a tar are dropped: they steer overlayfs
// (redirects, origins, metacopy) and a layer has no business setting them.
package archive
