package agentproto

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sessions make per-request authentication cheap. An Ed25519 signature costs
// the server ~50 µs to verify and the agent ~20 µs to make; an agent sends
// several requests per command, and a fleet of thousands answering one
// command at once spends a large part of the server's CPU on them. So the
// agent signs one Session request with its node key, carrying an ephemeral
// X25519 public key; the server answers with its own ephemeral public key;
// both derive the session key with X25519 and HKDF-SHA256, and later requests
// carry an HMAC-SHA256 over the same string as Sign (method, path, time,
// body hash). The key never crosses the wire, so an observer of plain HTTP
// learns nothing it could sign with, and only the holder of the node key
// could have asked for the session. (The stock SSM agent does the same
// trade: its RSA key only fetches temporary credentials, SigV4 signs the
// rest.)
//
// Sessions live in the server's memory: after a server restart, or past
// their lifetime, a request with one is refused with CodeSessionExpired and
// the agent opens a new one. An agent that finds no session endpoint
// (NotFound) keeps signing every request with its node key.

// PathSession opens a session. Signed with the node key (Sign).
const PathSession = PathPrefix + "session"

// SessionScheme is the Authorization scheme of session-signed requests:
// "Steward-Session <session-id>:<unix seconds>:<base64 HMAC-SHA256>".
const SessionScheme = "Steward-Session"

// CodeSessionExpired: the session is unknown to the server (it restarted or
// the session expired). Open a new session and send the request again.
const CodeSessionExpired = "SessionExpired"

// SessionLifetime is how long a session is accepted after it opened.
const SessionLifetime = time.Hour

// SessionRequest carries the agent's ephemeral X25519 public key.
type SessionRequest struct {
	PublicKey []byte `json:"publicKey"` // X25519, 32 bytes
}

// SessionResponse names the session and carries the server's ephemeral
// X25519 public key.
type SessionResponse struct {
	SessionID string `json:"sessionId"`
	PublicKey []byte `json:"publicKey"`
	ExpiresIn int    `json:"expiresIn"` // seconds
}

// Session is one side's view of an open session.
type Session struct {
	ID      string
	NodeID  string
	Key     []byte // 32 bytes
	Expires time.Time
}

// NewSessionKey makes the ephemeral X25519 key pair for a session request.
func NewSessionKey() (*ecdh.PrivateKey, error) {
	return ecdh.X25519().GenerateKey(rand.Reader)
}

// AcceptSession is the server side: it derives the key for a request from
// nodeID and returns the session and the answer to send.
func AcceptSession(nodeID string, req SessionRequest, now time.Time) (*Session, SessionResponse, error) {
	peer, err := ecdh.X25519().NewPublicKey(req.PublicKey)
	if err != nil {
		return nil, SessionResponse{}, errors.New("agentproto: the session public key is not an X25519 key")
	}
	priv, err := NewSessionKey()
	if err != nil {
		return nil, SessionResponse{}, err
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	sid := fmt.Sprintf("%x", id)
	key, err := deriveSessionKey(priv, peer, nodeID, sid, req.PublicKey, priv.PublicKey().Bytes())
	if err != nil {
		return nil, SessionResponse{}, err
	}
	s := &Session{ID: sid, NodeID: nodeID, Key: key, Expires: now.Add(SessionLifetime)}
	return s, SessionResponse{SessionID: sid, PublicKey: priv.PublicKey().Bytes(), ExpiresIn: int(SessionLifetime / time.Second)}, nil
}

// OpenSession is the agent side: it derives the key from the server's answer
// to a request made with priv.
func OpenSession(priv *ecdh.PrivateKey, nodeID string, resp SessionResponse, now time.Time) (*Session, error) {
	peer, err := ecdh.X25519().NewPublicKey(resp.PublicKey)
	if err != nil {
		return nil, errors.New("agentproto: the server's session public key is not an X25519 key")
	}
	if resp.SessionID == "" || len(resp.SessionID) > 64 {
		return nil, errors.New("agentproto: the server's session ID is not valid")
	}
	key, err := deriveSessionKey(priv, peer, nodeID, resp.SessionID, priv.PublicKey().Bytes(), resp.PublicKey)
	if err != nil {
		return nil, err
	}
	life := time.Duration(resp.ExpiresIn) * time.Second
	if life <= 0 || life > SessionLifetime {
		life = SessionLifetime
	}
	return &Session{ID: resp.SessionID, NodeID: nodeID, Key: key, Expires: now.Add(life)}, nil
}

func deriveSessionKey(priv *ecdh.PrivateKey, peer *ecdh.PublicKey, nodeID, sessionID string, agentPub, serverPub []byte) ([]byte, error) {
	shared, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("agentproto: session key agreement: %w", err)
	}
	info := "steward-agent-session-v1\n" + nodeID + "\n" + sessionID + "\n" +
		base64.StdEncoding.EncodeToString(agentPub) + "\n" + base64.StdEncoding.EncodeToString(serverPub)
	return hkdf.Key(sha256.New, shared, nil, info, 32)
}

// Sign returns the Authorization header value for a request in the session.
func (s *Session) Sign(method, path string, now time.Time, body []byte) string {
	unix := now.Unix()
	return SessionScheme + " " + s.ID + ":" + strconv.FormatInt(unix, 10) + ":" + base64.StdEncoding.EncodeToString(s.mac(method, path, unix, body))
}

func (s *Session) mac(method, path string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write(StringToSign(method, path, unix, body))
	return m.Sum(nil)
}

// Verify checks a request MAC made with Sign and the time window.
func (s *Session) Verify(method, path string, unix int64, mac, body []byte, now time.Time) error {
	if now.After(s.Expires) {
		return errors.New("agentproto: the session expired")
	}
	t := time.Unix(unix, 0)
	if t.Before(now.Add(-MaxSkew)) || t.After(now.Add(MaxSkew)) {
		return errors.New("agentproto: signature timestamp outside the allowed window")
	}
	if !hmac.Equal(mac, s.mac(method, path, unix, body)) {
		return errors.New("agentproto: session signature does not verify")
	}
	return nil
}

// ParseSessionAuth reads an Authorization header made by Session.Sign.
func ParseSessionAuth(header string) (sessionID string, unix int64, mac []byte, err error) {
	rest, ok := strings.CutPrefix(header, SessionScheme+" ")
	if !ok {
		return "", 0, nil, errors.New("agentproto: not a " + SessionScheme + " authorization")
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || parts[0] == "" || len(parts[0]) > 64 {
		return "", 0, nil, errors.New("agentproto: malformed authorization")
	}
	unix, err = strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, nil, fmt.Errorf("agentproto: bad timestamp: %w", err)
	}
	mac, err = base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(mac) != sha256.Size {
		return "", 0, nil, errors.New("agentproto: bad signature encoding")
	}
	return parts[0], unix, mac, nil
}
