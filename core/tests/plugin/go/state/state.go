// Package state mirrors libmachine's state: a machine state travels as a gob int.
package state

type State int

const (
	None State = iota
	Running
	Paused
	Saved
	Stopped
	Stopping
	Starting
	Error
	Timeout
)

var states = []string{"", "Running", "Paused", "Saved", "Stopped", "Stopping", "Starting", "Error", "Timeout"}

// String is libmachine's: None is the empty string.
func (s State) String() string {
	if int(s) >= 0 && int(s) < len(states) {
		return states[s]
	}
	return ""
}

// Parse is the reverse of String ("" and unknown names are None).
func Parse(name string) State {
	for i, n := range states {
		if n == name {
			return State(i)
		}
	}
	return None
}
