// Package mcnflag mirrors libmachine's mcnflag: the create flags a driver declares.
//
// The package name is load-bearing: gob names these types "*mcnflag.StringFlag" and so on
// on the wire, exactly as docker-machine's own plugins do.
package mcnflag

import "fmt"

// Flag is one create flag of a driver.
type Flag interface {
	fmt.Stringer
	Default() interface{}
}

type StringFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  string
}

func (f StringFlag) String() string       { return f.Name }
func (f StringFlag) Default() interface{} { return f.Value }

type StringSliceFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  []string
}

func (f StringSliceFlag) String() string       { return f.Name }
func (f StringSliceFlag) Default() interface{} { return f.Value }

type IntFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  int
}

func (f IntFlag) String() string       { return f.Name }
func (f IntFlag) Default() interface{} { return f.Value }

type BoolFlag struct {
	Name   string
	Usage  string
	EnvVar string
}

func (f BoolFlag) String() string       { return f.Name }
func (f BoolFlag) Default() interface{} { return nil }
