package plugin

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe bytes.Buffer that can signal when its
// content contains a string.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitContains waits until the buffer contains sub.
func (s *syncBuffer) waitContains(t *testing.T, sub string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		ok := strings.Contains(s.b.String(), sub)
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("output never contained %q; got %q", sub, s.String())
		}
	}
}

func testEnv(t *testing.T) (*Env, *syncBuffer, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	out, errb := newSyncBuffer(), newSyncBuffer()
	return &Env{
		CommandID:       "11111111-2222-3333-4444-555555555555",
		InstanceID:      "mi-0123456789abcdef0",
		Region:          "eu-west-1",
		PlatformName:    "Debian GNU/Linux",
		PlatformVersion: "12",
		StepDir:         filepath.Join(dir, "cmd", "step"),
		DownloadDir:     filepath.Join(dir, "cmd", "downloads"),
		Stdout:          out,
		Stderr:          errb,
	}, out, errb
}

// groupMembers lists the live (non-zombie) processes of process group pgid.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parens.
		s := string(data)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		f := strings.Fields(rest)
		if len(f) < 3 {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid && f[0] != "Z" && f[0] != "X" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGroupGone waits until no live process of group pgid remains.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pids := groupMembers(t, pgid)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of group %d survived: %v", pgid, pids)
		}
		time.Sleep(10 * time.Millisecond) // polling /proc: there is no event to wait on
	}
}
