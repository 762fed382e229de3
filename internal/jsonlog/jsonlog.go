// Package jsonlog writes and reads container logs in docker's json-file
// format: one JSON object a line, {"log":"...","stream":"stdout","time":"..."},
// each holding one line of output (with its newline) or, for a line longer
// than 16 KiB or cut off at exit, a part of one.
package jsonlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Entry is one record of a log.
type Entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// maxLine is where docker splits a line that has no newline yet.
const maxLine = 16 * 1024

// Writer turns output streams into log entries. Streams written through
// different StreamWriters are interleaved whole entries at a time.
type Writer struct {
	mu  sync.Mutex
	out io.Writer
	now func() time.Time
}

// NewWriter writes entries to out (a log file opened for append).
func NewWriter(out io.Writer) *Writer {
	return &Writer{out: out, now: time.Now}
}

func (w *Writer) write(stream string, line []byte) error {
	data, err := json.Marshal(Entry{Log: string(line), Stream: stream, Time: w.now().UTC()})
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.out.Write(append(data, '\n'))
	return err
}

// Stream returns an io.WriteCloser for one stream ("stdout" or "stderr"):
// it buffers a partial line until its newline comes, it grows past 16 KiB,
// or Close flushes it.
func (w *Writer) Stream(name string) io.WriteCloser {
	return &streamWriter{w: w, name: name}
}

type streamWriter struct {
	w       *Writer
	name    string
	partial []byte
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.partial = append(s.partial, p...)
	for {
		n := bytes.IndexByte(s.partial, '\n') + 1
		if n == 0 || n > maxLine {
			if len(s.partial) < maxLine {
				break
			}
			n = maxLine
		}
		if err := s.w.write(s.name, s.partial[:n]); err != nil {
			return 0, err
		}
		s.partial = s.partial[n:]
	}
	s.partial = append([]byte(nil), s.partial...)
	return len(p), nil
}

// Pending returns the start of a line written but not yet logged (it
// waits for its newline), and forgets it.
func (s *streamWriter) Pending() []byte {
	p := s.partial
	s.partial = nil
	return p
}

func (s *streamWriter) Close() error {
	if len(s.partial) == 0 {
		return nil
	}
	err := s.w.write(s.name, s.partial)
	s.partial = nil
	return err
}

// Decode reads entries from r and calls fn for each; a line that is not a
// valid entry (a torn write at a crash) is skipped.
func Decode(r io.Reader, fn func(Entry) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*maxLine)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return sc.Err()
}
