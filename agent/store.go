package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// The state directory:
//
//	DIR/identity.json                       the node identity (0600)
//	DIR/config.json                         optional settings (FileConfig)
//	DIR/commands/<id>/command.json          the command as received (placeholders unresolved)
//	DIR/commands/<id>/state.json            phase and the steps finished so far
//	DIR/commands/<id>/result.json           the result, written before it is sent
//	DIR/commands/<id>/<step>/stdout|stderr  the step's full output (secrets masked)
//	DIR/commands/<id>/<step>/_script.sh     the step's script
//	DIR/commands/<id>/downloads/            aws:downloadContent's relative destinations
//
// A command directory with a state.json is a command this node has started:
// a repeated delivery is acknowledged again and not run.

// Phases of a command on this node.
const (
	phaseStarted   = "started"   // running (or interrupted by an agent stop)
	phaseFinished  = "finished"  // result.json written, not yet accepted
	phaseDelivered = "delivered" // the server accepted the result
	phaseDropped   = "dropped"   // the server no longer wanted it (404/410)
)

// commandState is state.json.
type commandState struct {
	CommandID string                  `json:"commandId"`
	Phase     string                  `json:"phase"`
	Received  time.Time               `json:"received"`
	Finished  time.Time               `json:"finished,omitzero"`
	Steps     []agentproto.StepResult `json:"steps,omitempty"` // finished top-level steps, without output
}

// store keeps the command directories under DIR/commands.
type store struct {
	dir string
}

func (s *store) init() error {
	return os.MkdirAll(s.dir, 0o700)
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// cmdDir is the directory of a command; an ID that is not a plain file name
// is hashed.
func (s *store) cmdDir(id string) string {
	if safeID.MatchString(id) {
		return filepath.Join(s.dir, id)
	}
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(s.dir, "x-"+hex.EncodeToString(sum[:16]))
}

func (s *store) known(id string) bool {
	_, err := os.Stat(filepath.Join(s.cmdDir(id), "state.json"))
	return err == nil
}

// create records a new command: its directory, command.json and a started
// state.json (written last: it is what makes the command known).
func (s *store) create(cmd *agentproto.Command, now time.Time) error {
	dir := s.cmdDir(cmd.CommandID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(dir, "command.json"), cmd, 0o600); err != nil {
		return err
	}
	return s.saveState(&commandState{CommandID: cmd.CommandID, Phase: phaseStarted, Received: now})
}

func (s *store) saveState(st *commandState) error {
	return writeJSONFile(filepath.Join(s.cmdDir(st.CommandID), "state.json"), st, 0o600)
}

func (s *store) loadState(dir string) (*commandState, error) {
	var st commandState
	if err := readJSONFile(filepath.Join(dir, "state.json"), &st); err != nil {
		return nil, err
	}
	if st.CommandID == "" {
		return nil, errors.New("state.json names no command")
	}
	return &st, nil
}

func (s *store) loadCommand(id string) (*agentproto.Command, error) {
	var cmd agentproto.Command
	if err := readJSONFile(filepath.Join(s.cmdDir(id), "command.json"), &cmd); err != nil {
		return nil, err
	}
	return &cmd, nil
}

// writeResult stores the result and marks the command finished; it is
// called before the result is sent.
func (s *store) writeResult(st *commandState, res *agentproto.ResultRequest, now time.Time) error {
	if err := writeJSONFile(filepath.Join(s.cmdDir(st.CommandID), "result.json"), res, 0o600); err != nil {
		return err
	}
	st.Phase, st.Finished = phaseFinished, now
	return s.saveState(st)
}

func (s *store) readResult(id string) (*agentproto.ResultRequest, error) {
	var res agentproto.ResultRequest
	if err := readJSONFile(filepath.Join(s.cmdDir(id), "result.json"), &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (s *store) hasResult(id string) bool {
	_, err := os.Stat(filepath.Join(s.cmdDir(id), "result.json"))
	return err == nil
}

// setPhase moves a command to a later phase.
func (s *store) setPhase(id, phase string) error {
	st, err := s.loadState(s.cmdDir(id))
	if err != nil {
		return err
	}
	st.Phase = phase
	return s.saveState(st)
}

// states lists the command directories that hold a readable state.json,
// with their directories.
func (s *store) states() (map[string]*commandState, []error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, []error{err}
	}
	out := make(map[string]*commandState, len(entries))
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(s.dir, e.Name())
		st, err := s.loadState(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("%s: %w", dir, err))
			}
			continue
		}
		out[dir] = st
	}
	return out, errs
}

// prune removes the directories of delivered (or dropped) commands that
// finished before cutoff; it returns how many it removed.
func (s *store) prune(cutoff time.Time) (int, []error) {
	states, errs := s.states()
	n := 0
	for dir, st := range states {
		if st.Phase != phaseDelivered && st.Phase != phaseDropped {
			continue
		}
		done := st.Finished
		if done.IsZero() {
			done = st.Received
		}
		if done.Before(cutoff) {
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errs
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// stepDirNames gives each step a directory name: its name with characters
// other than letters, digits and ._:- replaced, made unique and kept clear
// of the command directory's own entries.
func stepDirNames(steps []agentproto.Step) []string {
	out := make([]string, len(steps))
	used := map[string]bool{"downloads": true, "command.json": true, "state.json": true, "result.json": true}
	for i, st := range steps {
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r) {
				return r
			}
			return '_'
		}, st.Name)
		if len(name) > 100 {
			name = name[:100]
		}
		if name == "" || name[0] == '.' {
			name = "step" + name
		}
		for base, k := name, 2; used[name]; k++ {
			name = base + "-" + strconv.Itoa(k)
		}
		used[name] = true
		out[i] = name
	}
	return out
}
