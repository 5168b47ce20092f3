package rpcdriver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

const (
	PluginEnvKey        = "MACHINE_PLUGIN_TOKEN"
	PluginEnvVal        = "42"
	PluginEnvDriverName = "MACHINE_PLUGIN_DRIVER_NAME"
	heartbeatInterval   = 5 * time.Second
	dialTimeout         = 10 * time.Second
)

// RPCClientDriver is libmachine's client side: it launches docker-machine-driver-<name>, reads
// the address from its first stdout line, dials it with rpc.DialHTTP and heartbeats every 5 s.
type RPCClientDriver struct {
	DriverName  string
	machineName string // the prefix of the plugin's log lines (guarded by mu)
	mu          sync.Mutex
	Version     int // what GetVersion answered at launch
	Client      *rpc.Client
	plugin      *exec.Cmd
	serviceName string
	done        chan struct{}
	logs        sync.WaitGroup
	closeOnce   sync.Once
}

// BinaryPath finds the plugin as libmachine's localbinary does (a path is taken as it is).
func BinaryPath(driverName string) (string, error) {
	if strings.ContainsRune(driverName, os.PathSeparator) {
		return driverName, nil
	}
	return exec.LookPath("docker-machine-driver-" + driverName)
}

func (c *RPCClientDriver) prefix() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "(" + c.machineName + ") "
}

// SetMachineName is libmachine's client.SetMachineName: it names the plugin's log lines.
func (c *RPCClientDriver) SetMachineName(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.machineName = name
}

func (c *RPCClientDriver) relay(r io.Reader, tag string) {
	defer c.logs.Done()
	s := bufio.NewScanner(r)
	for s.Scan() {
		fmt.Fprintf(os.Stderr, "%s%s%s\n", c.prefix(), tag, s.Text())
	}
}

// Launch starts the plugin and connects; GetVersion is answered before it returns.
func Launch(driverName string) (*RPCClientDriver, error) {
	exe, err := BinaryPath(driverName)
	if err != nil {
		return nil, fmt.Errorf("Driver %q not found. Do you have the plugin binary %q accessible in your PATH?",
			driverName, "docker-machine-driver-"+driverName)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), PluginEnvKey+"="+PluginEnvVal, PluginEnvDriverName+"="+driverName)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("Error starting plugin binary: %s", err)
	}
	c := &RPCClientDriver{DriverName: driverName, plugin: cmd, serviceName: RPCServiceNameV1, done: make(chan struct{})}
	lines := bufio.NewReader(stdout)
	addrCh := make(chan string, 1)
	go func() {
		line, _ := lines.ReadString('\n')
		addrCh <- strings.TrimSpace(line)
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(dialTimeout):
		c.kill()
		return nil, fmt.Errorf("Failed to dial the plugin server in %s", dialTimeout)
	}
	if addr == "" {
		c.kill()
		return nil, fmt.Errorf("plugin %s exited before printing its address", exe)
	}
	c.logs.Add(2)
	go c.relay(lines, "")
	go c.relay(stderr, "DBG | ")
	client, err := rpc.DialHTTP("tcp", addr)
	if err != nil {
		c.kill()
		return nil, err
	}
	c.Client = client
	var version int
	if err := c.Call("GetVersion", struct{}{}, &version); err != nil {
		// pre-0.5.1 plugins answer only to the old service name; libmachine retries once
		c.serviceName = RPCServiceNameV0
		if err := c.Call("GetVersion", struct{}{}, &version); err != nil {
			c.kill()
			return nil, err
		}
	}
	c.Version = version
	go c.heartbeat()
	return c, nil
}

// NewRPCClientDriver is libmachine's: launch, SetConfigRaw, then learn the machine name.
func NewRPCClientDriver(driverName string, rawDriver []byte) (*RPCClientDriver, error) {
	c, err := Launch(driverName)
	if err != nil {
		return nil, err
	}
	if err := c.Call("SetConfigRaw", rawDriver, nil); err != nil {
		c.Close()
		return nil, err
	}
	var name string
	if err := c.Call("GetMachineName", struct{}{}, &name); err == nil {
		c.SetMachineName(name)
	}
	return c, nil
}

func (c *RPCClientDriver) heartbeat() {
	t := time.NewTicker(heartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			_ = c.Call("Heartbeat", struct{}{}, nil)
		}
	}
}

// Call is one net/rpc call to RPCServerDriver.<method>.
func (c *RPCClientDriver) Call(method string, arg, reply interface{}) error {
	return c.Client.Call(c.serviceName+"."+method, arg, reply)
}

func (c *RPCClientDriver) kill() {
	_ = c.plugin.Process.Kill()
	_ = c.plugin.Wait()
}

// Close sends Close (the plugin may exit before replying: that is success), then reaps the
// plugin and returns its exit code.
func (c *RPCClientDriver) Close() (int, error) {
	var callErr error
	c.closeOnce.Do(func() {
		close(c.done)
		err := c.Call("Close", struct{}{}, nil)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) && !errors.Is(err, rpc.ErrShutdown) {
			callErr = err
		}
		_ = c.Client.Close()
	})
	exited := make(chan error, 1)
	go func() { exited <- c.plugin.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		c.kill()
		return -1, fmt.Errorf("plugin did not exit within 5s after Close")
	}
	c.logs.Wait()
	return c.plugin.ProcessState.ExitCode(), callErr
}
