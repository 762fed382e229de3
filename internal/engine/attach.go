package engine

import (
	"io"

	mon "github.com/hull-project/hull/internal/monitor"
)

// The attach protocol is the monitor's (internal/monitor); the engine's
// callers use it through these names.
type (
	AttachOptions = mon.AttachOptions
	Attachment    = mon.Attachment
	ExitStatus    = mon.ExitStatus
)

// Stream numbers of docker's stdcopy frames.
const (
	StreamStdout = mon.StreamStdout
	StreamStderr = mon.StreamStderr
)

// Demux copies docker stdcopy frames to stdout and stderr.
func Demux(r io.Reader, stdout, stderr io.Writer) error { return mon.Demux(r, stdout, stderr) }

func dialAttach(socket string, opts AttachOptions) (*Attachment, error) {
	return mon.Dial(socket, opts)
}

func monitorViaDirFD(path string) (string, func(), error) { return mon.ViaDirFD(path) }
