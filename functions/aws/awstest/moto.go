package awstest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// motoEndpoint is the base URL of the moto server Main started, or "" when none runs.
var motoEndpoint string

// Main starts moto's server on a free loopback port, runs the package's tests, stops moto and
// returns the exit code for os.Exit. When every test passed and none was filtered out with
// -run or -skip, it then runs each check (the permission check, typically) and fails the run
// if one returns an error: a check that only saw part of the tests would report false gaps.
//
// It fails, rather than skips, when moto_server is not installed: these tests are the proof
// that the handlers work, and CI must not pass without them.
func Main(m *testing.M, checks ...func() error) int {
	flag.Parse()
	moto, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "awstest:", err)
		return 2
	}
	motoEndpoint = moto.endpoint
	code := m.Run()
	moto.stop()
	if code != 0 || !fullRun() {
		return code
	}
	for _, check := range checks {
		if err := check(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			return 1
		}
	}
	return code
}

// fullRun reports whether the test binary ran every test, so that checks over the whole run
// are meaningful.
func fullRun() bool {
	for _, name := range []string{"test.run", "test.skip", "test.bench", "test.fuzz"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

// MotoEndpoint returns the base URL of the moto server started by Main. It fails the test when
// the package's TestMain does not call Main.
func MotoEndpoint(t testing.TB) string {
	t.Helper()
	if motoEndpoint == "" {
		t.Fatal("awstest: moto is not running; the package's TestMain must call awstest.Main")
	}
	return motoEndpoint
}

type motoServer struct {
	endpoint string
	cmd      *exec.Cmd
}

func startMoto() (*motoServer, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH; install it with: pip install 'moto[server]>=5.2' (%w)", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Its own process group, so stopping it also stops any worker it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "MOTO_ALLOW_NONEXISTENT_REGION=true")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &motoServer{endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	if err := s.waitReady(60 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *motoServer) waitReady(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint+"/moto-api/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("moto_server at %s did not answer within %s: %w", s.endpoint, limit, errors.Join(err, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *motoServer) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
