// Package rpcdriver mirrors libmachine's drivers/rpc: the server that exposes a driver as the
// net/rpc service RPCServerDriver, the client that calls it, and RPCFlags.
//
// The package name is load-bearing: gob names RPCFlags "*rpcdriver.RPCFlags" on the wire.
package rpcdriver

import (
	"encoding/gob"
	"fmt"
	"os"

	"gopeer/mcnflag"
)

func init() { // libmachine's registrations, in libmachine's order
	gob.Register(new(RPCFlags))
	gob.Register(new(mcnflag.IntFlag))
	gob.Register(new(mcnflag.StringFlag))
	gob.Register(new(mcnflag.StringSliceFlag))
	gob.Register(new(mcnflag.BoolFlag))
}

// RPCFlags is the DriverOptions that crosses the wire: flag name -> string, int, bool or []string.
type RPCFlags struct {
	Values map[string]interface{}
}

// warn goes to stdout after the address line, as libmachine's log.Warn does in a plugin.
func warn(format string, args ...interface{}) {
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func (r RPCFlags) Get(key string) interface{} {
	val, ok := r.Values[key]
	if !ok {
		warn("Trying to access option %s which does not exist", key)
		warn("THIS ***WILL*** CAUSE UNEXPECTED BEHAVIOR")
	}
	return val
}

func (r RPCFlags) String(key string) string {
	val, ok := r.Get(key).(string)
	if !ok {
		warn("Type assertion did not go smoothly to string for key %s", key)
	}
	return val
}

func (r RPCFlags) StringSlice(key string) []string {
	val, ok := r.Get(key).([]string)
	if !ok {
		warn("Type assertion did not go smoothly to string slice for key %s", key)
	}
	return val
}

func (r RPCFlags) Int(key string) int {
	val, ok := r.Get(key).(int)
	if !ok {
		warn("Type assertion did not go smoothly to int for key %s", key)
	}
	return val
}

func (r RPCFlags) Bool(key string) bool {
	val, ok := r.Get(key).(bool)
	if !ok {
		warn("Type assertion did not go smoothly to bool for key %s", key)
	}
	return val
}
