// Package agentproto is the wire protocol between steward-agent and the
// Steward server: JSON over HTTP under /_steward/agent/v1/, every request but
// Register authenticated: signed with the node's Ed25519 key, or with an
// HMAC in a session that one key-signed request opened (session.go). It
// imports only the standard library, so the agent links nothing server-side.
//
// Versioning: Version is the capability version of this package. The agent
// sends it on every request (header X-Steward-Agent-Proto); the server answers
// 426 Upgrade Required for a version it cannot serve. Add fields, never change
// their meaning; bump Version when the agent must know the server has a
// capability.
//
// Flow:
//
//	Register (activation ID + code + public key)      → node ID mi-…
//	Session (X25519 public key; node-key signed)       → session ID; later requests HMAC-signed
//	Heartbeat every HeartbeatInterval (platform facts) → keeps PingStatus Online
//	Poll (long poll, held up to PollWait)              → Messages: commands to run, cancels
//	Ack(command)                                       → invocation InProgress; delivery stops repeating
//	Output(command, step, stream, offset, data)        → streamed while running; idempotent by offset
//	Result(command, steps…)                            → terminal status; idempotent, retried until 200
//	Parameters(command, names)                         → SecureString values for {{ssm-secure:…}}, only
//	                                                     for parameters the node's own command references
//	Document(command, name, version, parameters)       → the resolved steps of an SSM document, for
//	                                                     aws:runDocument inside a command of this node
//	Metrics(namespace, data…)                          → CloudWatch data the node collected, published as
//	                                                     that node (metrics.go)
//
// Delivery is at least once: a command is offered on every poll until the agent
// acks it; the agent remembers the commands it has started (in its state
// directory) and re-acks instead of running one twice.
package agentproto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Version is the protocol capability version.
const Version = 1

// Paths, relative to the server URL.
const (
	PathPrefix     = "/_steward/agent/v1/"
	PathRegister   = PathPrefix + "register"
	PathHeartbeat  = PathPrefix + "heartbeat"
	PathPoll       = PathPrefix + "poll"
	PathAck        = PathPrefix + "ack"
	PathOutput     = PathPrefix + "output"
	PathResult     = PathPrefix + "result"
	PathParameters = PathPrefix + "parameters"
	PathDocument   = PathPrefix + "document"
)

// Headers.
const (
	HeaderProto = "X-Steward-Agent-Proto" // Version, decimal
	HeaderAuth  = "Authorization"         // "Steward-Node <node-id>:<unix seconds>:<base64 signature>"
	AuthScheme  = "Steward-Node"
)

// Timing the agent and server agree on.
const (
	HeartbeatInterval = 5 * time.Second
	PollWait          = 10 * time.Second // the server holds a poll at most this long
	// ConnectionLostAfter is how long after its last request a node shows
	// PingStatus ConnectionLost.
	ConnectionLostAfter = 20 * time.Second
	// MaxSkew bounds the signature timestamp.
	MaxSkew = 5 * time.Minute
)

// RegisterRequest is sent unsigned; the activation code is the credential.
type RegisterRequest struct {
	ActivationID   string `json:"activationId"`
	ActivationCode string `json:"activationCode"`
	PublicKey      []byte `json:"publicKey"` // Ed25519, 32 bytes
	Facts          Facts  `json:"facts"`
}

// RegisterResponse names the new node.
type RegisterResponse struct {
	NodeID string `json:"nodeId"` // mi- + 17 hex
	Region string `json:"region"`
}

// Facts describe the node; sent at registration and with every heartbeat.
type Facts struct {
	AgentVersion    string `json:"agentVersion"`
	ComputerName    string `json:"computerName"`
	IPAddress       string `json:"ipAddress"`
	PlatformType    string `json:"platformType"` // Linux | Windows | MacOS
	PlatformName    string `json:"platformName"` // e.g. "Debian GNU/Linux"
	PlatformVersion string `json:"platformVersion"`
}

// HeartbeatRequest reports the node alive.
type HeartbeatRequest struct {
	Facts Facts `json:"facts"`
}

// PollRequest asks for work. Running lists the command IDs the agent is
// executing now, so a server that restarted knows they are alive.
type PollRequest struct {
	Running []string `json:"running,omitempty"`
}

// PollResponse carries zero or more messages.
type PollResponse struct {
	Messages []Message `json:"messages"`
}

// Message kinds.
const (
	KindCommand = "command"
	KindCancel  = "cancel"
)

// Message is one unit of work for the node.
type Message struct {
	Kind      string   `json:"kind"`
	CommandID string   `json:"commandId"`
	Command   *Command `json:"command,omitempty"` // KindCommand
}

// Command is a document ready to run: parameters already substituted on the
// server ({{ssm-secure:…}} placeholders are left for the agent to resolve in
// memory through Parameters).
type Command struct {
	CommandID       string    `json:"commandId"`
	DocumentName    string    `json:"documentName"`
	DocumentVersion string    `json:"documentVersion"`
	SchemaVersion   string    `json:"schemaVersion"`
	Steps           []Step    `json:"steps"`
	Deadline        time.Time `json:"deadline"` // delivery deadline: do not start after it
	OutputS3Bucket  string    `json:"outputS3Bucket,omitempty"`
	OutputS3Prefix  string    `json:"outputS3Prefix,omitempty"`
	// Region is AWS_SSM_REGION_NAME for the step environment.
	Region string `json:"region"`
}

// Step is one plugin invocation. For schema 1.2 documents each runtimeConfig
// plugin is one step named after the plugin (e.g. "aws:runShellScript").
type Step struct {
	Name         string          `json:"name"`
	Action       string          `json:"action"` // aws:runShellScript, …
	Inputs       json.RawMessage `json:"inputs"`
	Precondition json.RawMessage `json:"precondition,omitempty"`
}

// AckRequest acknowledges receipt of a command (or a cancel).
type AckRequest struct {
	CommandID string `json:"commandId"`
}

// OutputRequest appends output. Offset is the byte offset of Data in the
// step's stream; the server ignores bytes it already has, so resending is safe.
type OutputRequest struct {
	CommandID string `json:"commandId"`
	Step      string `json:"step"`
	Stream    string `json:"stream"` // stdout | stderr
	Offset    int64  `json:"offset"`
	Data      string `json:"data"`
}

// Streams.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Statuses a result reports (plugin and invocation level).
const (
	StatusSuccess   = "Success"
	StatusFailed    = "Failed"
	StatusTimedOut  = "TimedOut"
	StatusCancelled = "Cancelled"
	StatusSkipped   = "Skipped" // step only: precondition not met, or skipped by exit code 168/169 or onFailure
	// StatusInvalidPlatform: the document cannot run on this platform.
	StatusInvalidPlatform = "InvalidPlatform"
)

// ResultRequest reports a finished command. The first result for a command
// wins; repeats are answered 200 and ignored.
type ResultRequest struct {
	CommandID    string       `json:"commandId"`
	Status       string       `json:"status"`
	ResponseCode int          `json:"responseCode"`
	Steps        []StepResult `json:"steps"`
}

// StepResult is one step's outcome. Stdout/Stderr here are the complete
// outputs when they were not (all) streamed; the server merges them by offset.
type StepResult struct {
	Name          string    `json:"name"`
	Action        string    `json:"action"`
	Status        string    `json:"status"`
	StatusDetails string    `json:"statusDetails,omitempty"` // e.g. ExecutionTimedOut
	ResponseCode  int       `json:"responseCode"`
	StartTime     time.Time `json:"startTime"`
	EndTime       time.Time `json:"endTime"`
	Stdout        string    `json:"stdout,omitempty"`
	Stderr        string    `json:"stderr,omitempty"`
	StdoutOffset  int64     `json:"stdoutOffset,omitempty"` // where Stdout starts in the stream
	StderrOffset  int64     `json:"stderrOffset,omitempty"`
}

// ParametersRequest asks for {{ssm-secure:…}} values of a command.
type ParametersRequest struct {
	CommandID string   `json:"commandId"`
	Names     []string `json:"names"`
}

// ParametersResponse returns decrypted values; names the command does not
// reference, or that do not exist, come back in Invalid.
type ParametersResponse struct {
	Values  map[string]string `json:"values"`
	Invalid []string          `json:"invalid,omitempty"`
}

// DocumentRequest asks for another SSM document's resolved steps, for an
// aws:runDocument step (documentType SSMDocument) of the node's command.
type DocumentRequest struct {
	CommandID  string              `json:"commandId"`
	Name       string              `json:"name"`              // name or ARN
	Version    string              `json:"version,omitempty"` // number, $DEFAULT or $LATEST
	Parameters map[string][]string `json:"parameters,omitempty"`
}

// DocumentResponse is the nested document, parameters substituted.
type DocumentResponse struct {
	SchemaVersion string `json:"schemaVersion"`
	Steps         []Step `json:"steps"`
}

// ErrorResponse is the body of every non-2xx answer.
type ErrorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of ErrorResponse.
const (
	CodeInvalidActivation = "InvalidActivation"      // unknown activation or wrong code
	CodeActivationExpired = "ActivationExpired"      // past ExpirationDate
	CodeActivationLimit   = "ActivationLimitReached" // RegistrationLimit reached
	CodeUnauthorized      = "Unauthorized"           // bad or missing signature, unknown node
	CodeDeregistered      = "Deregistered"           // node was deregistered: stop and re-register
	CodeNotFound          = "NotFound"               // command not for this node
	CodeBadRequest        = "BadRequest"
	CodeUpgradeRequired   = "UpgradeRequired"
)

// StringToSign is what a request signature covers.
func StringToSign(method, path string, unix int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(method + "\n" + path + "\n" + strconv.FormatInt(unix, 10) + "\n" + hex.EncodeToString(sum[:]))
}

// Sign returns the Authorization header value for a request.
func Sign(key ed25519.PrivateKey, nodeID, method, path string, now time.Time, body []byte) string {
	unix := now.Unix()
	sig := ed25519.Sign(key, StringToSign(method, path, unix, body))
	return AuthScheme + " " + nodeID + ":" + strconv.FormatInt(unix, 10) + ":" + base64.StdEncoding.EncodeToString(sig)
}

// ParseAuth reads an Authorization header made by Sign.
func ParseAuth(header string) (nodeID string, unix int64, sig []byte, err error) {
	rest, ok := strings.CutPrefix(header, AuthScheme+" ")
	if !ok {
		return "", 0, nil, errors.New("agentproto: not a " + AuthScheme + " authorization")
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return "", 0, nil, errors.New("agentproto: malformed authorization")
	}
	unix, err = strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, nil, fmt.Errorf("agentproto: bad timestamp: %w", err)
	}
	sig, err = base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", 0, nil, errors.New("agentproto: bad signature encoding")
	}
	return parts[0], unix, sig, nil
}

// Verify checks a request signature against the node's public key and the
// time window.
func Verify(pub ed25519.PublicKey, method, path string, unix int64, sig, body []byte, now time.Time) error {
	t := time.Unix(unix, 0)
	if t.Before(now.Add(-MaxSkew)) || t.After(now.Add(MaxSkew)) {
		return errors.New("agentproto: signature timestamp outside the allowed window")
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, StringToSign(method, path, unix, body), sig) {
		return errors.New("agentproto: signature does not verify")
	}
	return nil
}
