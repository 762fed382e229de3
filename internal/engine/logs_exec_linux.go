package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/jsonlog"
	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/specgen"
)

// LogOptions are docker logs' options.
type LogOptions struct {
	Follow     bool
	Tail       int // < 0: all
	Since      time.Time
	Timestamps bool
}

// Logs writes the container's log to stdout and stderr; with Follow it
// keeps going until the container stops.
func (e *Engine) Logs(ref string, opts LogOptions, stdout, stderr io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	f, err := os.Open(e.LogPath(c))
	if os.IsNotExist(err) {
		return nil // never started: no output yet
	}
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := readEntries(f)
	if err != nil {
		return err
	}
	if opts.Tail >= 0 && len(entries) > opts.Tail {
		entries = entries[len(entries)-opts.Tail:]
	}
	for _, en := range entries {
		writeEntry(en, opts, stdout, stderr)
	}
	if !opts.Follow {
		return nil
	}
	return e.followLog(c.ID, f, opts, stdout, stderr)
}

func readEntries(r io.Reader) ([]jsonlog.Entry, error) {
	var out []jsonlog.Entry
	err := jsonlog.Decode(r, func(en jsonlog.Entry) error {
		out = append(out, en)
		return nil
	})
	return out, err
}

func writeEntry(en jsonlog.Entry, opts LogOptions, stdout, stderr io.Writer) {
	if !opts.Since.IsZero() && en.Time.Before(opts.Since) {
		return
	}
	w := stdout
	if en.Stream == "stderr" {
		w = stderr
	}
	if opts.Timestamps {
		fmt.Fprintf(w, "%s %s", en.Time.Format(time.RFC3339Nano), en.Log)
		return
	}
	io.WriteString(w, en.Log)
}

// followLog reads what is appended to the log until the container stops
// and the last output has been read.
func (e *Engine) followLog(id string, f *os.File, opts LogOptions, stdout, stderr io.Writer) error {
	var pending []byte
	buf := make([]byte, 32*1024)
	for {
		n, _ := f.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			for {
				i := strings.IndexByte(string(pending), '\n')
				if i < 0 {
					break
				}
				var en jsonlog.Entry
				if json.Unmarshal(pending[:i], &en) == nil {
					writeEntry(en, opts, stdout, stderr)
				}
				pending = pending[i+1:]
			}
			continue
		}
		c, err := e.Get(id)
		if err != nil || (!c.State.Running && !c.State.Restarting) {
			// One more read: output written just before the exit.
			if n, _ := f.Read(buf); n > 0 {
				pending = append(pending, buf[:n]...)
				continue
			}
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ExecRequest is `hull exec`.
type ExecRequest struct {
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	Tty        bool
	Privileged bool
	Stdio      [3]*os.File
	// Console receives the pty master when Tty is set.
	Console *os.File
}

// Exec starts a process in a running container and returns its host pid;
// the caller waits for it as a child subreaper.
func (e *Engine) Exec(ref string, req ExecRequest) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 0, err
	}
	if !c.State.Running {
		return 0, errdefs.Conflict(fmt.Sprintf("container %s is not running", c.ID))
	}
	if c.State.Paused {
		return 0, errdefs.Conflict(fmt.Sprintf("container %s is paused, unpause the container before exec", c.ID))
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return 0, err
	}
	p, err := e.execProcess(c, rc, req)
	if err != nil {
		return 0, err
	}
	return rc.Exec(runtime.ExecOptions{Process: p, Console: req.Console, Stdio: req.Stdio})
}

func (e *Engine) execProcess(c *Container, rc ociContainer, req ExecRequest) (*specs.Process, error) {
	p := rc.ProcessSpec()
	p.Args = req.Cmd
	p.Terminal = req.Tty
	p.Env = append(append([]string{}, p.Env...), req.Env...)
	if req.WorkingDir != "" {
		p.Cwd = req.WorkingDir
	}
	if req.User != "" {
		u, _, err := specgen.ResolveUser(filepath.Join(e.containers.path(c.ID), "rootfs"), req.User)
		if err != nil {
			return nil, fmt.Errorf("unable to find user %s: %w", req.User, err)
		}
		p.User = u
	}
	return p, nil
}
