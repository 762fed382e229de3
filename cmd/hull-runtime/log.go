package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// setupLogging sends the log to path (stderr if empty) as text or as the
// JSON lines containerd's shim parses ({"level":"error","msg":...,"time":...}).
func setupLogging(path, format string, debug bool) error {
	var out io.Writer = os.Stderr
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file %s: %w", path, err)
		}
		out = f
	}
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: lowercaseLevel}
	switch format {
	case "text", "":
		slog.SetDefault(slog.New(slog.NewTextHandler(out, opts)))
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(out, opts)))
	default:
		return fmt.Errorf("unknown --log-format %q: use text or json", format)
	}
	return nil
}

// lowercaseLevel writes levels as logrus does ("error"), which is what
// go-runc matches when it looks for a runtime's last error.
func lowercaseLevel(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey && len(groups) == 0 {
		return slog.String(slog.LevelKey, strings.ToLower(a.Value.String()))
	}
	return a
}
