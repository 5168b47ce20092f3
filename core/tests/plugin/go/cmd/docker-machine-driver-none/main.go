// docker-machine-driver-none: docker-machine's "none" driver as a plugin (a machine that is an
// existing Docker host: no VM, no SSH), for the core's tests of such a driver.
package main

import (
	"gopeer/none"
	"gopeer/plugin"
)

func main() {
	plugin.RegisterDriver(none.NewDriver("", ""))
}
