// Package gopeer is a small but real stateful driver: its "machine" is a JSON file under
// <StorePath>/machines/<name>/, whose State (Running or Stopped) outlives the plugin process.
package gopeer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopeer/drivers"
	"gopeer/mcnflag"
	"gopeer/state"
)

const (
	DriverName = "gopeer"
	StateFile  = "gopeer-machine.json"
	defaultIP  = "127.0.0.1"
)

// Driver keeps its settings in the driver JSON (libmachine's host config) like any driver.
type Driver struct {
	*drivers.BaseDriver
	Memory         int
	CPU            int
	DiskSize       int
	Boot2DockerURL string
	Label          string
	Tags           []string
	FailCreate     bool
}

// Machine is what the state file holds.
type Machine struct {
	State   string
	Created string
	Starts  int
}

func NewDriver(hostName, storePath string) *Driver {
	return &Driver{BaseDriver: &drivers.BaseDriver{MachineName: hostName, StorePath: storePath},
		Memory: 1024, CPU: 1, DiskSize: 20000}
}

func (d *Driver) DriverName() string { return DriverName }

func (d *Driver) GetCreateFlags() []mcnflag.Flag {
	return []mcnflag.Flag{
		mcnflag.IntFlag{Name: "gopeer-memory", Usage: "Memory in MB", EnvVar: "GOPEER_MEMORY", Value: 1024},
		mcnflag.IntFlag{Name: "gopeer-cpu-count", Usage: "Number of CPUs", EnvVar: "GOPEER_CPU_COUNT", Value: 1},
		mcnflag.IntFlag{Name: "gopeer-disk-size", Usage: "Disk size in MB", Value: 20000},
		mcnflag.StringFlag{Name: "gopeer-boot2docker-url", Usage: "The boot image URL"},
		mcnflag.StringFlag{Name: "gopeer-label", Usage: "A label kept in the driver config", EnvVar: "GOPEER_LABEL", Value: "none"},
		mcnflag.StringSliceFlag{Name: "gopeer-tags", Usage: "Tags kept in the driver config", Value: []string{"a", "b"}},
		mcnflag.BoolFlag{Name: "gopeer-fail-create", Usage: "Make Create fail (for tests)", EnvVar: "GOPEER_FAIL_CREATE"},
	}
}

func (d *Driver) SetConfigFromFlags(flags drivers.DriverOptions) error {
	d.Memory = flags.Int("gopeer-memory")
	d.CPU = flags.Int("gopeer-cpu-count")
	d.DiskSize = flags.Int("gopeer-disk-size")
	d.Boot2DockerURL = flags.String("gopeer-boot2docker-url")
	d.Label = flags.String("gopeer-label")
	d.Tags = flags.StringSlice("gopeer-tags")
	d.FailCreate = flags.Bool("gopeer-fail-create")
	d.SwarmMaster = flags.Bool("swarm-master")
	d.SwarmHost = flags.String("swarm-host")
	d.SwarmDiscovery = flags.String("swarm-discovery")
	if d.Memory <= 0 {
		return fmt.Errorf("gopeer: --gopeer-memory must be positive, not %d", d.Memory)
	}
	return nil
}

func (d *Driver) statePath() string { return d.ResolveStorePath(StateFile) }

func (d *Driver) load() (*Machine, error) {
	data, err := os.ReadFile(d.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m := &Machine{}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("gopeer: %s is corrupt: %s", d.statePath(), err)
	}
	return m, nil
}

func (d *Driver) save(m *Machine) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := d.statePath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.statePath())
}

func (d *Driver) need() (*Machine, error) {
	m, err := d.load()
	if err == nil && m == nil {
		err = fmt.Errorf("Host does not exist: %q", d.MachineName)
	}
	return m, err
}

func (d *Driver) setState(s state.State) error {
	m, err := d.need()
	if err != nil {
		return err
	}
	if s == state.Running {
		m.Starts++
	}
	m.State = s.String()
	return d.save(m)
}

func (d *Driver) PreCreateCheck() error {
	if d.MachineName == "" || d.StorePath == "" {
		return errors.New("gopeer: the machine name and store path must be set before create")
	}
	return nil
}

func (d *Driver) Create() error {
	if d.FailCreate {
		return errors.New("gopeer: create failed as asked (--gopeer-fail-create)")
	}
	if err := os.MkdirAll(filepath.Dir(d.statePath()), 0o700); err != nil {
		return err
	}
	d.IPAddress = defaultIP
	return d.save(&Machine{State: state.Running.String(), Created: time.Now().UTC().Format(time.RFC3339), Starts: 1})
}

func (d *Driver) GetState() (state.State, error) {
	m, err := d.load()
	if err != nil || m == nil {
		return state.None, err
	}
	return state.Parse(m.State), nil
}

func (d *Driver) running() error {
	s, err := d.GetState()
	if err != nil {
		return err
	}
	if s != state.Running {
		return drivers.ErrHostIsNotRunning
	}
	return nil
}

func (d *Driver) GetIP() (string, error) {
	if err := d.running(); err != nil {
		return "", err
	}
	return defaultIP, nil
}

func (d *Driver) GetSSHHostname() (string, error) { return d.GetIP() }

func (d *Driver) GetURL() (string, error) {
	ip, err := d.GetIP()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("tcp://%s:2376", ip), nil
}

func (d *Driver) Start() error { return d.setState(state.Running) }
func (d *Driver) Stop() error  { return d.setState(state.Stopped) }
func (d *Driver) Kill() error  { return d.setState(state.Stopped) }

func (d *Driver) Restart() error {
	if err := d.Stop(); err != nil {
		return err
	}
	return d.Start()
}

func (d *Driver) Remove() error {
	err := os.Remove(d.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
