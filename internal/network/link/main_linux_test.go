package link

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The root tests run in a network namespace of their own, so the bridges,
// veths, routes and sysctls they make never touch the host's: TestMain
// re-executes the test binary in a fresh namespace (role "net"). Each
// container stand-in is the test binary again (role "holder") in a namespace
// of its own, which it holds until its stdin closes or it is killed; it
// answers "ping ADDR" lines with "ok" or an error.
const roleEnv = "HULL_LINK_TEST_ROLE"

// netnsErr is why the root tests cannot run, if they cannot.
var netnsErr error

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "holder":
		hold()
		os.Exit(0)
	case "":
		if os.Geteuid() == 0 {
			code, err := runInFreshNetns()
			if err == nil {
				os.Exit(code)
			}
			netnsErr = err
		}
	}
	os.Exit(m.Run())
}

// runInFreshNetns runs this test binary again in a new network namespace
// and returns its exit code.
func runInFreshNetns() (int, error) {
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Env = append(os.Environ(), roleEnv+"=net")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cannot create a network namespace: %w", err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// hold is the container stand-in's main loop.
func hold() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		addr, ok := strings.CutPrefix(in.Text(), "ping ")
		if !ok {
			fmt.Println("unknown command")
			continue
		}
		if err := ping(netip.MustParseAddr(addr)); err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println("ok")
	}
}

// requireNet skips unless this is the root test run inside its own network
// namespace, with ip(8) and nsenter(1) to inspect the results.
func requireNet(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if netnsErr != nil {
		t.Skip(netnsErr)
	}
	for _, tool := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
}

// container is a process in a network namespace of its own.
type container struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	nsPath string
}

// startContainer starts a container stand-in, stopped at cleanup.
func startContainer(t testing.TB) *container {
	t.Helper()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), roleEnv+"=holder")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &container{cmd: cmd, in: in, out: bufio.NewReader(out), nsPath: fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)}
	t.Cleanup(c.kill)
	return c
}

// kill stops the container and waits for it; its namespace then goes away.
func (c *container) kill() {
	c.in.Close()
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// ping sends one echo request from inside the container.
func (c *container) ping(dst netip.Addr) error {
	if _, err := fmt.Fprintf(c.in, "ping %s\n", dst); err != nil {
		return err
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "ok" {
		return errors.New(line)
	}
	return nil
}

// ping sends one ICMP echo request to dst from this process's namespace and
// waits up to a second for the reply.
func ping(dst netip.Addr) error {
	c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	id := byte(os.Getpid())
	req := []byte{8, 0, 0, 0, 'h', id, 0, 1, 'h', 'u', 'l', 'l'}
	sum := checksum(req)
	req[2], req[3] = byte(sum>>8), byte(sum)
	if _, err := c.WriteTo(req, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		return fmt.Errorf("ping %s: %w", dst, err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("ping %s: %w", dst, err)
		}
		if from.(*net.IPAddr).IP.Equal(dst.AsSlice()) && n >= 8 && buf[0] == 0 && buf[4] == 'h' && buf[5] == id {
			return nil
		}
	}
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// ipJSON runs `ip -j ARGS` in the namespace at nsPath ("": the test's own)
// and decodes its output.
func ipJSON(t testing.TB, nsPath string, args ...string) []map[string]any {
	t.Helper()
	out, err := ipCmd(nsPath, append([]string{"-j"}, args...)...).Output()
	if err != nil {
		t.Fatalf("ip %s: %v", strings.Join(args, " "), err)
	}
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return v
}

// ip runs ip(8) in the test's own namespace, failing the test on error.
func ip(t testing.TB, args ...string) {
	t.Helper()
	if out, err := ipCmd("", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func ipCmd(nsPath string, args ...string) *exec.Cmd {
	if nsPath == "" {
		return exec.Command("ip", args...)
	}
	return exec.Command("nsenter", append([]string{"--net=" + nsPath, "ip"}, args...)...)
}

// linkExistsIn reports whether a link called name is in the namespace.
func linkExistsIn(nsPath, name string) bool {
	return ipCmd(nsPath, "link", "show", "dev", name).Run() == nil
}

// name makes a link name unique to this test process: tag + pid.
func name(tag string) string {
	return fmt.Sprintf("%s%d", tag, os.Getpid())
}

// mustBridge makes a bridge with gateway gw, removed at cleanup.
func mustBridge(t testing.TB, tag, gw string) string {
	t.Helper()
	br := name(tag)
	t.Cleanup(func() {
		if err := DeleteBridge(br); err != nil {
			t.Error(err)
		}
	})
	if err := EnsureBridge(br, netip.MustParsePrefix(gw)); err != nil {
		t.Fatal(err)
	}
	return br
}

// mustAttach attaches ep to c, detached at cleanup.
func mustAttach(t testing.TB, c *container, ep Endpoint) {
	t.Helper()
	t.Cleanup(func() {
		if err := Detach(ep.HostVeth); err != nil {
			t.Error(err)
		}
	})
	if err := Attach(c.nsPath, ep); err != nil {
		t.Fatal(err)
	}
}

// waitGone polls until the host link called name is gone.
func waitGone(t testing.TB, name string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); Exists(name); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s still exists after 5s", name)
		}
	}
}
