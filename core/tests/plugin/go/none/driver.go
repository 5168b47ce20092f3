// Package none behaves as docker-machine's "none" driver does in its plugins: no VM at all, the
// machine is an existing Docker host named by --url. It always reports Running, its IP is the
// URL's host (empty when the URL has none), and it has no SSH: an empty SSH host and port 0.
package none

import (
	"fmt"
	neturl "net/url"

	"gopeer/drivers"
	"gopeer/mcnflag"
	"gopeer/state"
)

// Driver keeps the URL and the host taken from it in the driver JSON.
type Driver struct {
	*drivers.BaseDriver
	URL string
}

func NewDriver(hostName, storePath string) *Driver {
	return &Driver{BaseDriver: &drivers.BaseDriver{MachineName: hostName, StorePath: storePath}}
}

func (d *Driver) DriverName() string { return "none" }

func (d *Driver) GetCreateFlags() []mcnflag.Flag {
	return []mcnflag.Flag{mcnflag.StringFlag{Name: "url", Usage: "URL of host when no driver is selected"}}
}

func (d *Driver) SetConfigFromFlags(flags drivers.DriverOptions) error {
	url := flags.String("url")
	if url == "" {
		return fmt.Errorf("--url option is required when no driver is selected")
	}
	u, err := neturl.Parse(url)
	if err != nil {
		return err
	}
	d.URL = url
	d.IPAddress = u.Hostname() // "" for text that names no host, such as "not a url"
	return nil
}

func (d *Driver) GetIP() (string, error)          { return d.IPAddress, nil }
func (d *Driver) GetSSHHostname() (string, error) { return "", nil }
func (d *Driver) GetSSHKeyPath() string           { return "" }
func (d *Driver) GetSSHPort() (int, error)        { return 0, nil }
func (d *Driver) GetSSHUsername() string          { return "" }
func (d *Driver) GetURL() (string, error)         { return d.URL, nil }
func (d *Driver) GetState() (state.State, error)  { return state.Running, nil }
func (d *Driver) Create() error                   { return nil }
func (d *Driver) Remove() error                   { return nil }
func (d *Driver) Start() error                    { return fmt.Errorf("hosts without a driver cannot be started") }
func (d *Driver) Stop() error                     { return fmt.Errorf("hosts without a driver cannot be stopped") }
func (d *Driver) Kill() error                     { return fmt.Errorf("hosts without a driver cannot be killed") }
func (d *Driver) Restart() error                  { return fmt.Errorf("hosts without a driver cannot be restarted") }
