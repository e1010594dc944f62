// Package pgtest starts a throwaway PostgreSQL server from the Debian binaries
// for tests: one server per test binary (initdb + pg_ctl in a temp dir,
// listening only on a Unix socket), a fresh database per test.
//
// When no PostgreSQL binaries are found the tests that ask for a database are
// skipped — unless STEWARD_TEST_POSTGRES=require (set by CI), which turns the
// skip into a failure. STEWARD_TEST_POSTGRES_URL points the tests at an
// existing server instead.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

var (
	once     sync.Once
	server   *instance
	startErr error
	dbSeq    atomic.Int64
)

type instance struct {
	dir     string // temp root
	bin     string
	cred    *syscall.Credential
	baseURL func(db string) string
}

// Required reports whether PostgreSQL tests must run (CI).
func Required() bool { return os.Getenv("STEWARD_TEST_POSTGRES") == "require" }

// Main runs the tests and then stops the server, if one was started. Call it
// from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.stop()
	}
	os.Exit(code)
}

// URL returns the connection URL of a new, empty database. It skips the test
// when PostgreSQL is unavailable (fails it when Required).
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("STEWARD_TEST_POSTGRES_URL"); u != "" {
		return freshDatabase(t, func(db string) string { return replaceDB(u, db) })
	}
	once.Do(func() { server, startErr = start() })
	if startErr != nil {
		if Required() {
			t.Fatalf("PostgreSQL required but unavailable: %v", startErr)
		}
		t.Skipf("PostgreSQL unavailable: %v", startErr)
	}
	return freshDatabase(t, server.baseURL)
}

func freshDatabase(t testing.TB, urlFor func(string) string) string {
	t.Helper()
	name := fmt.Sprintf("steward_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	admin, err := sql.Open("pgx", urlFor("postgres"))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return urlFor(name)
}

func replaceDB(u, db string) string {
	// Accepts URLs of the form postgres://user@host:port/anything?params.
	scheme := "postgres://"
	rest := u[len(scheme):]
	slash := -1
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			slash = i
			break
		}
	}
	query := ""
	if q := indexByte(rest, '?'); q >= 0 {
		query = rest[q:]
		rest = rest[:q]
	}
	if slash >= 0 && slash < len(rest) {
		rest = rest[:slash]
	}
	return scheme + rest + "/" + db + query
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// findBin returns the newest Debian PostgreSQL bin directory.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no initdb/pg_ctl found (apt-get install postgresql)")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func start() (*instance, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "steward-pg-")
	if err != nil {
		return nil, err
	}
	in := &instance{dir: root, bin: bin}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: drop to the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		in.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chmod(root, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(root, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(root, "data")
	sock := root
	if out, err := in.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-c listen_addresses='' -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", sock)
	if out, err := in.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(root, "log"), "-w", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "log"))
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	in.baseURL = func(db string) string {
		return fmt.Sprintf("postgres://postgres@/%s?host=%s&sslmode=disable", db, sock)
	}
	return in, nil
}

func (in *instance) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(in.bin, name), args...)
	cmd.Dir = in.dir
	if in.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: in.cred}
	}
	return cmd.CombinedOutput()
}

func (in *instance) stop() {
	_, _ = in.run("pg_ctl", "-D", filepath.Join(in.dir, "data"), "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(in.dir)
}

// Dump returns a plain-text pg_dump of the database at url (schema and data),
// for tests that look at what is really stored.
func Dump(t testing.TB, url string) []byte {
	t.Helper()
	bin, err := findBin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--no-owner", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}
