// Package drivers mirrors the parts of libmachine's drivers package a plugin needs: the Driver
// interface, DriverOptions, BaseDriver and the well-known errors.
package drivers

import (
	"errors"
	"path/filepath"

	"gopeer/mcnflag"
	"gopeer/state"
)

var (
	ErrHostIsNotRunning = errors.New("Host is not running")
	ErrNotImplemented   = errors.New("Not implemented")
)

// DriverOptions is what SetConfigFromFlags reads (rpcdriver.RPCFlags on the wire).
type DriverOptions interface {
	String(key string) string
	StringSlice(key string) []string
	Int(key string) int
	Bool(key string) bool
}

// Driver is libmachine's driver contract.
type Driver interface {
	Create() error
	DriverName() string
	GetCreateFlags() []mcnflag.Flag
	GetIP() (string, error)
	GetMachineName() string
	GetSSHHostname() (string, error)
	GetSSHKeyPath() string
	GetSSHPort() (int, error)
	GetSSHUsername() string
	GetURL() (string, error)
	GetState() (state.State, error)
	Kill() error
	PreCreateCheck() error
	Remove() error
	Restart() error
	SetConfigFromFlags(opts DriverOptions) error
	Start() error
	Stop() error
}

// BaseDriver holds what every driver keeps; its JSON names are libmachine's.
type BaseDriver struct {
	IPAddress      string
	MachineName    string
	SSHUser        string
	SSHPort        int
	SSHKeyPath     string
	StorePath      string
	SwarmMaster    bool
	SwarmHost      string
	SwarmDiscovery string
}

func (d *BaseDriver) GetMachineName() string { return d.MachineName }

func (d *BaseDriver) ResolveStorePath(file string) string {
	return filepath.Join(d.StorePath, "machines", d.MachineName, file)
}

func (d *BaseDriver) GetSSHKeyPath() string {
	if d.SSHKeyPath == "" {
		d.SSHKeyPath = d.ResolveStorePath("id_rsa")
	}
	return d.SSHKeyPath
}

func (d *BaseDriver) GetSSHPort() (int, error) {
	if d.SSHPort == 0 {
		d.SSHPort = 22
	}
	return d.SSHPort, nil
}

func (d *BaseDriver) GetSSHUsername() string {
	if d.SSHUser == "" {
		d.SSHUser = "docker"
	}
	return d.SSHUser
}

func (d *BaseDriver) PreCreateCheck() error { return nil }
