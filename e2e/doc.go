// Package e2e holds end-to-end tests that cross packages and processes: a real
// steward server (in-process or as its own process, killed with SIGKILL when
// a test needs a crash), real steward-agent processes running real shells, and
// the real AWS clients.
package e2e
