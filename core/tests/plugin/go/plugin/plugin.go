// Package plugin mirrors libmachine's drivers/plugin: the whole main of a driver plugin binary.
package plugin

import (
	"fmt"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"strconv"
	"time"

	"gopeer/drivers"
	"gopeer/rpcdriver"
)

const heartbeatTimeout = 10 * time.Second

// RegisterDriver serves d as libmachine's plugins do: it needs MACHINE_PLUGIN_TOKEN, prints its
// loopback address as the first stdout line, serves net/rpc over HTTP (CONNECT /_goRPC_), and
// exits 0 on Close or 1 after 10 s without a Heartbeat.
func RegisterDriver(d drivers.Driver) {
	if os.Getenv(rpcdriver.PluginEnvKey) != rpcdriver.PluginEnvVal {
		fmt.Fprintf(os.Stderr, `This is a Docker Machine plugin binary.
Plugin binaries are not intended to be invoked directly.
Please use this plugin through the main 'docker-machine' binary.
(API version: %d)
`, rpcdriver.APIVersion)
		os.Exit(1)
	}
	os.Unsetenv(rpcdriver.PluginEnvKey)

	rpcd := rpcdriver.NewRPCServerDriver(d)
	if err := rpc.RegisterName(rpcdriver.RPCServiceNameV0, rpcd); err != nil {
		fmt.Fprintf(os.Stderr, "Error registering the RPC server: %s\n", err)
		os.Exit(1)
	}
	if err := rpc.RegisterName(rpcdriver.RPCServiceNameV1, rpcd); err != nil {
		fmt.Fprintf(os.Stderr, "Error registering the RPC server: %s\n", err)
		os.Exit(1)
	}
	rpc.HandleHTTP()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error loading RPC server: %s\n", err)
		os.Exit(1)
	}
	defer listener.Close()

	fmt.Println(listener.Addr())

	go func() { _ = http.Serve(listener, nil) }()

	timeout := heartbeatTimeout
	// The Python plugins' test knob, honoured here too so tests need not wait 10 s.
	if s, err := strconv.ParseFloat(os.Getenv("MINIKUBE_PLUGIN_HEARTBEAT_TIMEOUT"), 64); err == nil && s > 0 {
		timeout = time.Duration(s * float64(time.Second))
	}
	for {
		select {
		case <-rpcd.CloseCh:
			fmt.Fprintln(os.Stderr, "Closing plugin on server side")
			os.Exit(0)
		case <-rpcd.HeartbeatCh:
			continue
		case <-time.After(timeout):
			fmt.Fprintln(os.Stderr, "no heartbeat: exiting")
			os.Exit(1)
		}
	}
}
