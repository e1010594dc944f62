package fleet

import (
	"context"
	"sync"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// maxSessionsPerNode bounds the sessions a node may hold open; opening one
// more drops its oldest (an agent needs one; a restart leaves one behind).
const maxSessionsPerNode = 4

// sessions are the open agent sessions (agentproto.Session), in memory
// only: after a restart every agent is told CodeSessionExpired and opens a
// new one.
type sessions struct {
	mu     sync.Mutex
	byID   map[string]*agentproto.Session
	byNode map[string][]string // session IDs, oldest first
}

func (s *sessions) add(sess *agentproto.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID == nil {
		s.byID, s.byNode = map[string]*agentproto.Session{}, map[string][]string{}
	}
	ids := append(s.byNode[sess.NodeID], sess.ID)
	for len(ids) > maxSessionsPerNode {
		delete(s.byID, ids[0])
		ids = ids[1:]
	}
	s.byNode[sess.NodeID] = ids
	s.byID[sess.ID] = sess
}

func (s *sessions) get(id string) *agentproto.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

// expire drops the sessions past their lifetime.
func (s *sessions) expire(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for node, ids := range s.byNode {
		kept := ids[:0]
		for _, id := range ids {
			if now.After(s.byID[id].Expires) {
				delete(s.byID, id)
				continue
			}
			kept = append(kept, id)
		}
		if len(kept) == 0 {
			delete(s.byNode, node)
		} else {
			s.byNode[node] = kept
		}
	}
}

// openSession serves agentproto.PathSession for a node authenticated by its
// node key.
func (h *Hub) openSession(_ context.Context, nodeID string, req agentproto.SessionRequest) (any, error) {
	sess, resp, err := agentproto.AcceptSession(nodeID, req, h.clock.Now())
	if err != nil {
		return nil, steward.Errorf(agentproto.CodeBadRequest, "%s", err.Error())
	}
	h.sessions.add(sess)
	return resp, nil
}

// sessionNode authenticates a session-signed request and returns its node.
// An unknown or expired session is SessionExpired (the agent opens a new
// one); a MAC that does not verify is Unauthorized. The node's standing is
// checked as for node-key requests: a deregistered node is refused.
func (h *Hub) sessionNode(ctx context.Context, header, method, path string, body []byte) (string, error) {
	unauthorized := steward.Errorf(agentproto.CodeUnauthorized, "The request signature is missing or not valid.")
	id, unix, mac, err := agentproto.ParseSessionAuth(header)
	if err != nil {
		return "", unauthorized
	}
	now := h.clock.Now()
	sess := h.sessions.get(id)
	if sess == nil || now.After(sess.Expires) {
		return "", steward.Errorf(agentproto.CodeSessionExpired, "The session is not known or has expired. Open a new session.")
	}
	if err := sess.Verify(method, path, unix, mac, body, now); err != nil {
		return "", unauthorized
	}
	_, deregistered, err := h.nodeKey(ctx, sess.NodeID)
	if err != nil {
		if code := steward.ErrorCode(err); code == agentproto.CodeUnauthorized || code == agentproto.CodeDeregistered {
			return "", unauthorized
		}
		return "", err
	}
	if deregistered {
		return sess.NodeID, steward.Errorf(agentproto.CodeDeregistered, "This node was deregistered. Register it again with an activation.")
	}
	return sess.NodeID, nil
}
