package image

import (
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/errdefs"
)

// ApplyChanges applies Dockerfile instructions, as `docker import -c`
// and `docker commit -c` take them (CMD, ENTRYPOINT, ENV, WORKDIR, USER,
// EXPOSE, LABEL, VOLUME, STOPSIGNAL), to c.
func ApplyChanges(c *v1.Config, changes []string) error {
	for _, ch := range changes {
		instr, args, _ := strings.Cut(strings.TrimSpace(ch), " ")
		args = strings.TrimSpace(args)
		if err := applyChange(c, strings.ToUpper(instr), args); err != nil {
			return errdefs.InvalidArgument(fmt.Sprintf("change %q: %v", ch, err))
		}
	}
	return nil
}

func applyChange(c *v1.Config, instr, args string) error {
	if args == "" {
		return fmt.Errorf("%s requires an argument", instr)
	}
	switch instr {
	case "CMD":
		c.Cmd = commandForm(args)
	case "ENTRYPOINT":
		c.Entrypoint = commandForm(args)
	case "ENV":
		return applyEnv(c, args)
	case "WORKDIR":
		c.WorkingDir = args
	case "USER":
		c.User = args
	case "EXPOSE":
		return applyExpose(c, args)
	case "LABEL":
		return applyLabels(c, args)
	case "VOLUME":
		applyVolumes(c, args)
	case "STOPSIGNAL":
		c.StopSignal = args
	default:
		return fmt.Errorf("%s is not a valid change instruction", instr)
	}
	return nil
}

// commandForm reads the exec form (a JSON array) or the shell form.
func commandForm(args string) []string {
	var exec []string
	if strings.HasPrefix(args, "[") && json.Unmarshal([]byte(args), &exec) == nil {
		return exec
	}
	return []string{"/bin/sh", "-c", args}
}

func applyEnv(c *v1.Config, args string) error {
	pairs, err := keyValues(args)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		c.Env = setEnv(c.Env, kv[0], kv[1])
	}
	return nil
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

func applyLabels(c *v1.Config, args string) error {
	pairs, err := keyValues(args)
	if err != nil {
		return err
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for _, kv := range pairs {
		c.Labels[kv[0]] = kv[1]
	}
	return nil
}

// keyValues reads "k=v k2=v2" (values may be double-quoted) or the legacy
// "k v with spaces".
func keyValues(args string) ([][2]string, error) {
	if !strings.Contains(strings.Fields(args)[0], "=") {
		k, v, _ := strings.Cut(args, " ")
		return [][2]string{{k, strings.TrimSpace(v)}}, nil
	}
	var out [][2]string
	for _, w := range splitWords(args) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitWords splits on spaces outside double quotes and drops the quotes.
func splitWords(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case r == ' ' && !quoted:
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}

func applyExpose(c *v1.Config, args string) error {
	if c.ExposedPorts == nil {
		c.ExposedPorts = map[string]struct{}{}
	}
	for _, p := range strings.Fields(args) {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		c.ExposedPorts[p] = struct{}{}
	}
	return nil
}

func applyVolumes(c *v1.Config, args string) {
	if c.Volumes == nil {
		c.Volumes = map[string]struct{}{}
	}
	vols := commandForm(args)
	if len(vols) == 3 && vols[0] == "/bin/sh" {
		vols = strings.Fields(args)
	}
	for _, v := range vols {
		c.Volumes[v] = struct{}{}
	}
}
