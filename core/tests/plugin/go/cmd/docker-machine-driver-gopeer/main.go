// docker-machine-driver-gopeer: a Go driver plugin built the way docker-machine's are.
package main

import (
	"fmt"
	"os"

	"gopeer/gopeer"
	"gopeer/plugin"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("version: v0.1.0")
		fmt.Println("commit: gopeer")
		return
	}
	plugin.RegisterDriver(gopeer.NewDriver("", ""))
}
