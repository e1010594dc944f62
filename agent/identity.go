package agent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// DefaultStateDir is where the agent keeps its identity and command state.
const DefaultStateDir = "/var/lib/steward-agent"

// identityFile is the identity's file name in the state directory.
const identityFile = "identity.json"

// Identity is a registered node: who it is, where its server is, and the
// Ed25519 key that signs its requests. It prints without the key.
type Identity struct {
	ServerURL  string
	NodeID     string // mi-…
	Region     string
	PrivateKey ed25519.PrivateKey
}

// identityJSON is the file form; the key is stored as its 32-byte seed.
type identityJSON struct {
	ServerURL  string `json:"serverUrl"`
	NodeID     string `json:"nodeId"`
	Region     string `json:"region"`
	PrivateKey []byte `json:"privateKey"`
}

// PublicKey is the key the server verifies signatures with.
func (id *Identity) PublicKey() ed25519.PublicKey {
	return id.PrivateKey.Public().(ed25519.PublicKey)
}

// String describes the identity without its key.
func (id Identity) String() string {
	return fmt.Sprintf("node %s at %s (%s)", id.NodeID, id.ServerURL, id.Region)
}

// LogValue logs the identity without its key.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("node", id.NodeID), slog.String("server", id.ServerURL), slog.String("region", id.Region))
}

// MarshalJSON encodes the identity without its key (use Save to store it).
func (id Identity) MarshalJSON() ([]byte, error) {
	return json.Marshal(identityJSON{ServerURL: id.ServerURL, NodeID: id.NodeID, Region: id.Region})
}

// Save writes the identity to stateDir/identity.json (mode 0600; the
// directory is created with mode 0700).
func (id *Identity) Save(stateDir string) error {
	if len(id.PrivateKey) != ed25519.PrivateKeySize || id.NodeID == "" || id.ServerURL == "" {
		return errors.New("agent: incomplete identity")
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("agent: creating the state directory: %w", err)
	}
	return writeJSONFile(filepath.Join(stateDir, identityFile), identityJSON{
		ServerURL: id.ServerURL, NodeID: id.NodeID, Region: id.Region, PrivateKey: id.PrivateKey.Seed(),
	}, 0o600)
}

// LoadIdentity reads stateDir/identity.json; ErrNotRegistered when there is
// none.
func LoadIdentity(stateDir string) (*Identity, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotRegistered
	}
	if err != nil {
		return nil, fmt.Errorf("agent: reading the identity: %w", err)
	}
	var f identityJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("agent: %s is corrupt: %w", identityFile, err)
	}
	if len(f.PrivateKey) != ed25519.SeedSize || f.NodeID == "" || f.ServerURL == "" {
		return nil, fmt.Errorf("agent: %s is incomplete", identityFile)
	}
	return &Identity{ServerURL: f.ServerURL, NodeID: f.NodeID, Region: f.Region, PrivateKey: ed25519.NewKeyFromSeed(f.PrivateKey)}, nil
}

// RegisterConfig is what registration needs.
type RegisterConfig struct {
	ServerURL      string // e.g. http://127.0.0.1:4566
	ActivationID   string
	ActivationCode string
	// HTTPClient is used for the request; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Facts describe the node; nil gathers them from this host.
	Facts *agentproto.Facts
	// Version is the agent version reported in the facts ("" is Version).
	Version string
}

// Register registers a node with an activation: it generates an Ed25519
// key pair and sends the public key with the node's facts. The returned
// identity is not saved (see Identity.Save). A refusal is a *ServerError
// with Code agentproto.CodeInvalidActivation, CodeActivationExpired or
// CodeActivationLimit.
func Register(ctx context.Context, cfg RegisterConfig) (*Identity, error) {
	base, err := serverBase(cfg.ServerURL)
	if err != nil {
		return nil, err
	}
	if cfg.ActivationID == "" || cfg.ActivationCode == "" {
		return nil, errors.New("agent: an activation ID and code are required")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	version := cfg.Version
	if version == "" {
		version = Version
	}
	facts := GatherFacts(base, version)
	if cfg.Facts != nil {
		facts = *cfg.Facts
	}
	c := &client{base: base, hc: hc, now: time.Now}
	var resp agentproto.RegisterResponse
	err = c.call(ctx, agentproto.PathRegister, 0, agentproto.RegisterRequest{
		ActivationID: cfg.ActivationID, ActivationCode: cfg.ActivationCode, PublicKey: pub, Facts: facts,
	}, &resp)
	if err != nil {
		return nil, err
	}
	if resp.NodeID == "" {
		return nil, errors.New("agent: the server registered no node ID")
	}
	return &Identity{ServerURL: base, NodeID: resp.NodeID, Region: resp.Region, PrivateKey: priv}, nil
}

// serverBase checks a server URL and drops a trailing slash.
func serverBase(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("agent: server URL %q is not an http(s) URL", s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// writeJSONFile writes v to path atomically (temporary file, fsync, rename)
// with mode perm.
func writeJSONFile(path string, v any, perm os.FileMode) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'), perm)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
