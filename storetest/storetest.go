// Package storetest is the conformance suite every storage backend must pass.
// The sqlite and postgres packages run it against a fresh database each; a
// behaviour that differs between them is a bug in one of them.
package storetest

import (
	"testing"

	"github.com/stewardhq/steward/sqlstore"
)

// NewDB returns a fresh, migrated, empty database for one test.
type NewDB func(t *testing.T) *sqlstore.DB

// Run runs every suite.
func Run(t *testing.T, newDB NewDB) {
	suites := []struct {
		name string
		run  func(*testing.T, NewDB)
	}{
		{"AccessKeys", testAccessKeys},
		{"Outbox", testOutbox},
		{"Claims", testClaims},
		{"Parameters", testParameters},
		{"Documents", testDocuments},
		{"Nodes", testNodes},
		{"Commands", testCommands},
		{"IAMRoles", testIAMRoles},
		{"SQS", testSQS},
		{"Mail", testMail},
		{"SNS", testSNS},
		{"Events", testEvents},
		{"Logs", testLogs},
		{"Metrics", testMetrics},
		{"Alarms", testAlarms},
		{"Associations", testAssociations},
		{"Windows", testWindows},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, newDB) })
	}
}
