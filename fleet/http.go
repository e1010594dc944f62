package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// HTTP statuses of the agentproto error codes. Unauthorized (no or a bad
// signature, unknown node) is 401: the request is not authenticated.
// Deregistered is 403: the node is known and its signature checks out, but
// it may not talk to this server any more (the agent stops and needs a new
// registration). The registration refusals are 403 too: the activation is
// known but refuses, except InvalidActivation (401, indistinguishable from a
// wrong code). Anything without an agent-channel code is a 500.
var statuses = map[string]int{
	agentproto.CodeBadRequest:        http.StatusBadRequest,
	steward.CodeValidation:           http.StatusBadRequest, // reported as BadRequest
	agentproto.CodeUnauthorized:      http.StatusUnauthorized,
	agentproto.CodeSessionExpired:    http.StatusUnauthorized,
	agentproto.CodeInvalidActivation: http.StatusUnauthorized,
	agentproto.CodeDeregistered:      http.StatusForbidden,
	agentproto.CodeActivationExpired: http.StatusForbidden,
	agentproto.CodeActivationLimit:   http.StatusForbidden,
	agentproto.CodeNotFound:          http.StatusNotFound,
	agentproto.CodeUpgradeRequired:   http.StatusUpgradeRequired,
}

// endpoint is one agent-channel operation.
type endpoint struct {
	maxBody int64
	// handle decodes the body and serves the request of an authenticated
	// node (nodeID "" for register).
	handle func(h *Hub, ctx context.Context, nodeID string, body []byte) (any, error)
}

var endpoints = map[string]endpoint{
	agentproto.PathRegister: {maxBody, decoded(func(h *Hub, ctx context.Context, _ string, in agentproto.RegisterRequest) (any, error) {
		return h.reg.Register(ctx, in)
	})},
	agentproto.PathSession: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.SessionRequest) (any, error) {
		return h.openSession(ctx, id, in)
	})},
	agentproto.PathHeartbeat: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.HeartbeatRequest) (any, error) {
		return struct{}{}, h.reg.Heartbeat(ctx, id, in.Facts)
	})},
	agentproto.PathPoll: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.PollRequest) (any, error) {
		msgs, err := h.poll(ctx, id, in)
		h.markSeen(id) // a held poll keeps the node Online: seen when it starts and when it ends
		if msgs == nil {
			msgs = []agentproto.Message{}
		}
		return agentproto.PollResponse{Messages: msgs}, err
	})},
	agentproto.PathAck: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.AckRequest) (any, error) {
		return struct{}{}, h.work.Ack(ctx, id, in)
	})},
	agentproto.PathOutput: {maxOutputBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.OutputRequest) (any, error) {
		return struct{}{}, h.work.Output(ctx, id, in)
	})},
	agentproto.PathResult: {maxOutputBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.ResultRequest) (any, error) {
		return struct{}{}, h.work.Result(ctx, id, in)
	})},
	agentproto.PathParameters: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.ParametersRequest) (any, error) {
		return h.work.Parameters(ctx, id, in)
	})},
	agentproto.PathDocument: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.DocumentRequest) (any, error) {
		return h.work.Document(ctx, id, in)
	})},
	agentproto.PathMetrics: {maxBody, decoded(func(h *Hub, ctx context.Context, id string, in agentproto.MetricsRequest) (any, error) {
		return struct{}{}, h.putMetrics(ctx, id, in)
	})},
}

// decoded adapts a typed handler: the body is JSON of I (empty is I's zero
// value; unknown fields are ignored, as newer agents may send them).
func decoded[I any](f func(h *Hub, ctx context.Context, nodeID string, in I) (any, error)) func(*Hub, context.Context, string, []byte) (any, error) {
	return func(h *Hub, ctx context.Context, nodeID string, body []byte) (any, error) {
		var in I
		if len(body) > 0 {
			if err := json.Unmarshal(body, &in); err != nil {
				return nil, steward.Errorf(agentproto.CodeBadRequest, "The request body is not valid JSON for this operation.")
			}
		}
		return f(h, ctx, nodeID, in)
	}
}

// ServeHTTP serves the agent channel: POST with JSON bodies under
// agentproto.PathPrefix. Every answer that is not 2xx carries an
// agentproto.ErrorResponse.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nodeID := ""
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("fleet: panic serving an agent request", "path", r.URL.Path, "node", nodeID, "panic", p, "stack", string(debug.Stack()))
			h.writeError(w, r, nodeID, steward.Internal(fmt.Errorf("panic: %v", p)))
		}
	}()
	ep, ok := endpoints[r.URL.Path]
	if !ok {
		h.writeError(w, r, "", steward.Errorf(agentproto.CodeNotFound, "No agent operation at %s.", r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, agentproto.ErrorResponse{Code: agentproto.CodeBadRequest, Message: "Agent operations are POST requests."})
		return
	}
	if err := checkProto(r.Header.Get(agentproto.HeaderProto)); err != nil {
		h.writeError(w, r, "", err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ep.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeJSON(w, http.StatusRequestEntityTooLarge, agentproto.ErrorResponse{Code: agentproto.CodeBadRequest,
				Message: fmt.Sprintf("The request body exceeds %d bytes.", ep.maxBody)})
			return
		}
		h.writeError(w, r, "", steward.Errorf(agentproto.CodeBadRequest, "The request body could not be read."))
		return
	}
	if r.URL.Path != agentproto.PathRegister {
		if nodeID, err = h.authenticate(r, body); err != nil {
			h.writeError(w, r, nodeID, err)
			return
		}
		h.markSeen(nodeID)
	}
	out, err := ep.handle(h, r.Context(), nodeID, body)
	if r.Context().Err() != nil {
		return // the agent went away (a held poll, typically): nobody to answer
	}
	if err != nil {
		h.writeError(w, r, nodeID, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// checkProto checks the capability version the agent speaks.
func checkProto(header string) error {
	if header == "" {
		return steward.Errorf(agentproto.CodeBadRequest, "The %s header is required.", agentproto.HeaderProto)
	}
	v, err := strconv.Atoi(strings.TrimSpace(header))
	if err != nil {
		return steward.Errorf(agentproto.CodeBadRequest, "The %s header must be a number.", agentproto.HeaderProto)
	}
	if v < 1 || v > agentproto.Version {
		return steward.Errorf(agentproto.CodeUpgradeRequired, "This server speaks agent protocol versions 1 to %d, not %d.", agentproto.Version, v)
	}
	return nil
}

// authenticate checks the request's signature and returns the node that
// made it. A node that does not exist, a malformed header, a signature that
// does not verify or lies outside agentproto.MaxSkew are all Unauthorized
// (the same message: nothing is learnt about which node IDs exist).
// A deregistered node with a valid signature is Deregistered.
//
// A request signed in a session (agentproto.SessionScheme) is checked by
// sessionNode; a Session request itself must be signed with the node key.
func (h *Hub) authenticate(r *http.Request, body []byte) (string, error) {
	unauthorized := steward.Errorf(agentproto.CodeUnauthorized, "The request signature is missing or not valid.")
	header := r.Header.Get(agentproto.HeaderAuth)
	if strings.HasPrefix(header, agentproto.SessionScheme+" ") {
		if r.URL.Path == agentproto.PathSession {
			return "", unauthorized
		}
		return h.sessionNode(r.Context(), header, r.Method, r.URL.Path, body)
	}
	nodeID, unix, sig, err := agentproto.ParseAuth(header)
	if err != nil || !isNodeID(nodeID) {
		return "", unauthorized
	}
	key, deregistered, err := h.nodeKey(r.Context(), nodeID)
	if err != nil {
		if code := steward.ErrorCode(err); code == agentproto.CodeUnauthorized || code == agentproto.CodeDeregistered {
			return "", unauthorized
		}
		return "", err
	}
	if err := agentproto.Verify(key, r.Method, r.URL.Path, unix, sig, body, h.clock.Now()); err != nil {
		return "", unauthorized
	}
	if deregistered {
		return nodeID, steward.Errorf(agentproto.CodeDeregistered, "This node was deregistered. Register it again with an activation.")
	}
	return nodeID, nil
}

// isNodeID reports whether id has the form of a node ID ("mi-" + 17
// lowercase hex digits); anything else is refused without a lookup.
func isNodeID(id string) bool {
	if len(id) != 20 || !strings.HasPrefix(id, "mi-") {
		return false
	}
	for _, c := range id[3:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// writeError renders err as an agentproto.ErrorResponse. Internal failures
// are logged here, once, with their cause; the agent sees a generic message.
// Request bodies and headers are never logged.
func (h *Hub) writeError(w http.ResponseWriter, r *http.Request, nodeID string, err error) {
	e := steward.AsError(err)
	status, ok := statuses[e.Code]
	code, msg := e.Code, e.Message
	if e.Code == steward.CodeValidation {
		code = agentproto.CodeBadRequest
	}
	if !ok {
		status, code, msg = http.StatusInternalServerError, steward.CodeInternalFailure, "An internal error occurred."
		h.log.Error("fleet: agent request failed", "path", r.URL.Path, "node", nodeID, "err", err)
	} else {
		h.log.Debug("fleet: agent request refused", "path", r.URL.Path, "node", nodeID, "code", code)
	}
	writeJSON(w, status, agentproto.ErrorResponse{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"code":"InternalFailure","message":"An internal error occurred."}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
