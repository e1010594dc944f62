// Command steward-agent is the Steward node agent. It registers a node with a
// Steward server and runs the documents sent to it. (Registration and Run
// Command arrive with the managed-nodes issue; for now it prints its version.)
//
// It links nothing server-side: see deps_test.go.
package main

import (
	"fmt"
	"os"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "version" || os.Args[1] == "--version") {
		fmt.Println("steward-agent", version)
		return
	}
	fmt.Fprintln(os.Stderr, "steward-agent", version+": registration and Run Command are not implemented yet; try 'steward-agent version'")
	os.Exit(2)
}
