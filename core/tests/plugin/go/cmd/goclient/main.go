// goclient: libmachine's RPC client side, scripted, with one JSON line per call on stdout.
//
//	goclient session DRIVER --config JSON [--flags JSON]
//	    launch, then GetVersion, SetConfigRaw, GetMachineName, DriverName, GetCreateFlags,
//	    SetConfigFromFlags, GetConfigRaw, SetConfigRaw (what GetConfigRaw gave) and GetConfigRaw
//	    again, GetState, GetURL, GetIP, the SSH getters, PreCreateCheck, Create, then the
//	    lifecycle (Stop, Start, Restart, Kill) with GetState between, Upgrade (no such method),
//	    SetConfigFromFlags with no values, Heartbeat, Remove, GetState, Close.
//	goclient calls DRIVER   < [{"method": "...", "arg": ...}, ...]
//	    launch, the given calls, then Close (unless the script ends with it).
//	goclient status DRIVER (--config JSON | --machine-config PATH)
//	    what `docker-machine status` costs: launch, SetConfigRaw, GetMachineName, GetState, Close.
//
// DRIVER is a name looked up as docker-machine-driver-DRIVER on PATH, or a path. Each line is
// {"call": METHOD, "reply": ..., "error": null | "message"}; Close adds "exit" (the plugin's exit
// code). Flags print as {"@type": "*mcnflag.IntFlag", "Name": ..., ...}.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"gopeer/drivers"
	"gopeer/mcnflag"
	"gopeer/rpcdriver"
	"gopeer/state"
)

type step struct {
	Method string          `json:"method"`
	Arg    json.RawMessage `json:"arg"`
}

type runner struct {
	c          *rpcdriver.RPCClientDriver
	lastConfig []byte
	closed     bool
}

func emit(v map[string]interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		out, _ = json.Marshal(map[string]interface{}{"marshal-error": err.Error()})
	}
	os.Stdout.Write(append(out, '\n'))
}

func errText(err error) interface{} {
	if err == nil {
		return nil
	}
	return err.Error()
}

// toValues turns JSON into what RPCFlags carries: string, int, bool, []string.
func toValues(raw json.RawMessage) (map[string]interface{}, error) {
	values := map[string]interface{}{}
	if len(raw) == 0 || string(raw) == "null" {
		return values, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var in map[string]interface{}
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	for k, v := range in {
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("flag %s: %s", k, err)
			}
			values[k] = int(n)
		case string, bool:
			values[k] = x
		case []interface{}:
			list := make([]string, 0, len(x))
			for _, item := range x {
				s, ok := item.(string)
				if !ok {
					return nil, fmt.Errorf("flag %s: list items must be strings", k)
				}
				list = append(list, s)
			}
			values[k] = list
		default:
			return nil, fmt.Errorf("flag %s: unsupported value %v", k, v)
		}
	}
	return values, nil
}

func flagJSON(f mcnflag.Flag) map[string]interface{} {
	out := map[string]interface{}{}
	data, _ := json.Marshal(f)
	_ = json.Unmarshal(data, &out)
	out["@type"] = fmt.Sprintf("%T", f)
	return out
}

func (r *runner) call(method string, arg json.RawMessage) {
	res := map[string]interface{}{"call": method}
	var err error
	switch method {
	case "GetVersion", "GetSSHPort":
		var n int
		err = r.c.Call(method, struct{}{}, &n)
		res["reply"] = n
	case "DriverName", "GetMachineName", "GetIP", "GetSSHHostname", "GetSSHKeyPath", "GetSSHUsername", "GetURL":
		var s string
		err = r.c.Call(method, struct{}{}, &s)
		res["reply"] = s
		if method == "GetMachineName" && err == nil {
			r.c.SetMachineName(s) // names the plugin's log lines, as in libmachine
		}
	case "GetState":
		var st state.State
		err = r.c.Call(method, struct{}{}, &st)
		res["reply"] = int(st)
		res["state"] = st.String()
	case "GetConfigRaw":
		var data []byte
		err = r.c.Call(method, struct{}{}, &data)
		if err == nil {
			r.lastConfig = data
		}
		res["reply"] = string(data)
	case "GetCreateFlags":
		var flags []mcnflag.Flag
		err = r.c.Call(method, struct{}{}, &flags)
		list := make([]interface{}, 0, len(flags))
		for _, f := range flags {
			list = append(list, flagJSON(f))
		}
		res["reply"] = list
	case "SetConfigRaw":
		var data []byte
		if string(arg) == `"$last"` { // what the last GetConfigRaw gave
			data = r.lastConfig
		} else {
			var s string
			if err := json.Unmarshal(arg, &s); err != nil {
				data = arg // a JSON object: sent as it is
			} else {
				data = []byte(s)
			}
		}
		err = r.c.Call(method, data, nil)
	case "SetConfigFromFlags":
		values, verr := toValues(arg)
		if verr != nil {
			fmt.Fprintln(os.Stderr, "goclient:", verr)
			os.Exit(2)
		}
		var opts drivers.DriverOptions = &rpcdriver.RPCFlags{Values: values}
		err = r.c.Call(method, &opts, nil)
	case "Close":
		code, cerr := r.c.Close()
		r.closed = true
		err = cerr
		res["exit"] = code
	default: // Create, Start, Stop, Restart, Kill, Remove, PreCreateCheck, Heartbeat, Upgrade...
		err = r.c.Call(method, struct{}{}, nil)
	}
	res["error"] = errText(err)
	emit(res)
}

func session(config, flags json.RawMessage) []step {
	s := func(m string) step { return step{Method: m} }
	return []step{
		{"SetConfigRaw", config}, s("GetMachineName"), s("DriverName"), s("GetCreateFlags"),
		{"SetConfigFromFlags", flags}, s("GetConfigRaw"), {"SetConfigRaw", json.RawMessage(`"$last"`)},
		s("GetConfigRaw"), s("GetState"), s("GetURL"), s("GetIP"), s("GetSSHHostname"), s("GetSSHPort"),
		s("GetSSHUsername"), s("GetSSHKeyPath"), s("PreCreateCheck"), s("Create"), s("GetState"), s("GetIP"),
		s("Stop"), s("GetState"), s("Start"), s("GetState"), s("Restart"), s("GetState"), s("Kill"),
		s("GetState"), s("Upgrade"), {"SetConfigFromFlags", json.RawMessage(`{}`)}, s("Heartbeat"),
		s("Remove"), s("GetState"), s("Close"),
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: goclient session|calls|status DRIVER [--config JSON] [--flags JSON] [--machine-config PATH]")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	mode, driver := os.Args[1], os.Args[2]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	config := fs.String("config", "", "the driver JSON for SetConfigRaw")
	flags := fs.String("flags", "{}", "SetConfigFromFlags values as a JSON object")
	machineConfig := fs.String("machine-config", "", "a libmachine host config.json: its Driver is the driver JSON")
	_ = fs.Parse(os.Args[3:])

	raw := []byte(*config)
	if *machineConfig != "" {
		var host struct{ Driver json.RawMessage }
		data, err := os.ReadFile(*machineConfig)
		if err == nil {
			err = json.Unmarshal(data, &host)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "goclient:", err)
			os.Exit(2)
		}
		raw = host.Driver
	}

	var steps []step
	switch mode {
	case "session":
		steps = session(raw, json.RawMessage(*flags))
	case "status":
		steps = []step{{"SetConfigRaw", raw}, {Method: "GetMachineName"}, {Method: "GetState"}, {Method: "Close"}}
	case "calls":
		if err := json.NewDecoder(os.Stdin).Decode(&steps); err != nil {
			fmt.Fprintln(os.Stderr, "goclient: reading the calls from stdin:", err)
			os.Exit(2)
		}
	default:
		usage()
	}

	c, err := rpcdriver.Launch(driver)
	if err != nil {
		emit(map[string]interface{}{"call": "launch", "error": err.Error()})
		os.Exit(1)
	}
	emit(map[string]interface{}{"call": "GetVersion", "reply": c.Version, "error": nil})
	r := &runner{c: c}
	for _, s := range steps {
		r.call(s.Method, s.Arg)
	}
	if !r.closed {
		r.call("Close", nil)
	}
}
