package fleet_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/fleet"
)

// metricsSink records what the hub passes on; namespace "Bad" is refused
// as CloudWatch would refuse it.
type metricsSink struct {
	mu   sync.Mutex
	puts map[string][]agentproto.MetricsRequest // by node
}

func (m *metricsSink) PutNodeMetrics(_ context.Context, nodeID string, req agentproto.MetricsRequest) error {
	if req.Namespace == "Bad" {
		return steward.Errorf(agentproto.CodeBadRequest, "InvalidParameterValueException: no")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts[nodeID] = append(m.puts[nodeID], req)
	return nil
}

func (m *metricsSink) count(nodeID string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.puts[nodeID])
}

func TestMetricsAsTheNodeOnly(t *testing.T) {
	sink := &metricsSink{puts: map[string][]agentproto.MetricsRequest{}}
	f := newFixture(t, func(o *fleet.Options) { o.Metrics = sink })
	a, b := f.register(t), f.register(t)
	datum := func(dims ...agentproto.Dimension) agentproto.MetricDatum {
		return agentproto.MetricDatum{MetricName: "procstat_lookup_pid_count", Dimensions: dims, Timestamp: f.clock.Now(), Value: 1, Unit: "Count"}
	}
	own := agentproto.Dimension{Name: agentproto.DimensionInstanceID, Value: a.id}
	pattern := agentproto.Dimension{Name: "pattern", Value: "nginx"}

	wantStatus(t, "own InstanceId", f.call(t, a, agentproto.PathMetrics, agentproto.MetricsRequest{Namespace: "CWAgent",
		Data: []agentproto.MetricDatum{datum(pattern, own), datum(pattern)}}), http.StatusOK, "")
	if sink.count(a.id) != 1 {
		t.Fatalf("puts of %s: %d", a.id, sink.count(a.id))
	}

	// b publishing with a's InstanceId: refused whole, nothing stored.
	wantStatus(t, "another node's InstanceId", f.call(t, b, agentproto.PathMetrics, agentproto.MetricsRequest{Namespace: "CWAgent",
		Data: []agentproto.MetricDatum{datum(pattern, agentproto.Dimension{Name: agentproto.DimensionInstanceID, Value: b.id}), datum(pattern, own)}}),
		http.StatusBadRequest, agentproto.CodeBadRequest)
	if sink.count(b.id) != 0 || sink.count(a.id) != 1 {
		t.Fatalf("a forged batch was stored: %v", sink.puts)
	}

	// Unsigned, or signed by a stranger: 401.
	body := []byte(`{"namespace":"CWAgent","data":[]}`)
	wantStatus(t, "unsigned", f.request(t, context.Background(), agentproto.PathMetrics, body, nil), http.StatusUnauthorized, agentproto.CodeUnauthorized)
	stranger := agent{id: "mi-0123456789abcdef0", key: a.key}
	wantStatus(t, "unknown node", f.call(t, stranger, agentproto.PathMetrics, agentproto.MetricsRequest{Namespace: "CWAgent"}), http.StatusUnauthorized, agentproto.CodeUnauthorized)

	// CloudWatch's refusal reaches the agent as 400 BadRequest.
	wantStatus(t, "refused by CloudWatch", f.call(t, a, agentproto.PathMetrics, agentproto.MetricsRequest{Namespace: "Bad", Data: []agentproto.MetricDatum{datum(own)}}),
		http.StatusBadRequest, agentproto.CodeBadRequest)
}

// A hub without Metrics answers as a server without the endpoint: 404.
func TestMetricsNotServed(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	wantStatus(t, "no metrics", f.call(t, a, agentproto.PathMetrics, agentproto.MetricsRequest{Namespace: "CWAgent"}), http.StatusNotFound, agentproto.CodeNotFound)
}
