package runtime

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The parent talks to a new container process over two sockets.
//
// The bootstrap socket serves the C stage (nsenter.c), before Go starts:
//
//	parent                                  C stage
//	  |-- [u32 size][records] ----------------->|  join cgroups, setns, unshare
//	  |<-- USERMAP_REQUEST pid ------------------|  (only with a new user ns)
//	  |-- USERMAP_DONE errno ------------------->|
//	  |<-- CHILD_PID pid --------------------------|  fork; intermediate exits
//	  |<-- ERROR errno len text ------------------|  (instead, on failure)
//
// The init socket serves the Go side of the same process afterwards, with
// length-prefixed JSON messages:
//
//	parent                                  init (Go)
//	  |-- initConfig ----------------------------->|
//	  |<-- {"type":"mounts-ready"} ---------------|  rootfs mounted, not pivoted
//	  |   prestart + createRuntime hooks          |
//	  |-- {"type":"hooks-done"} ------------------>|  createContainer hooks, pivot,
//	  |<-- {"type":"created"} --------------------|  then block on exec.fifo
//	  |<-- {"type":"error","message":...} ---------|  (instead, on failure)
//
// An exec'd process uses the same sockets but skips the hooks: after
// initConfig it answers "created" or "error" and execs at once.

// Bootstrap records; keep in step with nsenter.c.
const (
	recCloneFlags  = 1
	recNSPath      = 2
	recUIDMap      = 3
	recGIDMap      = 4
	recOOMScoreAdj = 5
	recCgroupProcs = 6
	recTimeOffsets = 7
)

// Messages from the C stage.
const (
	msgUsermapRequest = 1
	msgChildPID       = 2
	msgError          = 3
	msgUsermapDone    = 4
)

// bootstrap is what the C stage needs before the Go runtime starts.
type bootstrap struct {
	cloneFlags  uint32
	joins       []nsJoin
	uidMap      string
	gidMap      string
	oomScoreAdj *int
	cgroupProcs []string
	timeOffsets string
}

type nsJoin struct {
	flag uint32
	path string
}

func (b *bootstrap) encode() []byte {
	var body []byte
	add := func(typ uint32, payload []byte) {
		body = binary.LittleEndian.AppendUint32(body, typ)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(payload)))
		body = append(body, payload...)
	}
	add(recCloneFlags, binary.LittleEndian.AppendUint32(nil, b.cloneFlags))
	for _, j := range b.joins {
		add(recNSPath, append(binary.LittleEndian.AppendUint32(nil, j.flag), j.path...))
	}
	if b.uidMap != "" {
		add(recUIDMap, []byte(b.uidMap))
	}
	if b.gidMap != "" {
		add(recGIDMap, []byte(b.gidMap))
	}
	if b.oomScoreAdj != nil {
		add(recOOMScoreAdj, []byte(fmt.Sprint(*b.oomScoreAdj)))
	}
	for _, p := range b.cgroupProcs {
		add(recCgroupProcs, []byte(p))
	}
	if b.timeOffsets != "" {
		add(recTimeOffsets, []byte(b.timeOffsets))
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// readStageMessage reads one message of the C stage. For msgError it returns
// the stage's error.
func readStageMessage(r io.Reader) (typ, value uint32, err error) {
	var hdr [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return 0, 0, fmt.Errorf("read from the namespace setup stage: %w", err)
	}
	if hdr[0] != msgError {
		return hdr[0], hdr[1], nil
	}
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil || n > 4096 {
		return 0, 0, fmt.Errorf("namespace setup failed: %w", syscall.Errno(hdr[1]))
	}
	text := make([]byte, n)
	if _, err := io.ReadFull(r, text); err != nil {
		return 0, 0, fmt.Errorf("namespace setup failed: %w", syscall.Errno(hdr[1]))
	}
	if hdr[1] == 0 {
		return 0, 0, fmt.Errorf("%s", text)
	}
	return 0, 0, fmt.Errorf("%s: %w", text, syscall.Errno(hdr[1]))
}

// Go-side messages.
const (
	syncMountsReady = "mounts-ready"
	syncHooksDone   = "hooks-done"
	syncCreated     = "created"
	syncError       = "error"
)

type syncMessage struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
	// State is what createContainer hooks read, sent with hooks-done.
	State *specs.State `json:"state,omitempty"`
	// Code is, with an error, the exit code a shell would give: 126 when
	// the program cannot be executed, 127 when it is not found.
	Code int `json:"code,omitempty"`
}

func writeJSON(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf := binary.LittleEndian.AppendUint32(nil, uint32(len(data)))
	_, err = w.Write(append(buf, data...))
	return err
}

func readJSON(r io.Reader, v any) error {
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return err
	}
	if n > 16<<20 {
		return fmt.Errorf("sync message of %d bytes is too large", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
