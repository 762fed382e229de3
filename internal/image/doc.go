// Package image keeps images: a content-addressed blob store, image records
// by id and by reference, and the operations that fill and empty it (pull,
// push, load, save, import, tag, remove, prune).
//
// On-disk layout under the store root (/var/lib/hull by default):
//
//	blobs/sha256/<hex>   manifests, configs and compressed layers, each
//	                     written to ingest/ first and renamed into place
//	                     only after its digest and size were verified
//	ingest/              in-flight writes; never read by anyone else
//	images/<hex>.json    one record per image, named by its id (the
//	                     config digest)
//	repositories.json    references ("docker.io/library/busybox:latest",
//	                     "...@sha256:<manifest>") to image ids
//	images.lock          flock(2) guarding images/ and repositories.json
//
// Layers are unpacked by the snapshot store, once per chain id. A pull
// writes blobs and layers first and the image record last, under the lock,
// so a pull that fails or is killed leaves no image another command sees.
package image
