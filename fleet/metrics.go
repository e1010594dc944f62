package fleet

import (
	"context"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// putMetrics serves agentproto.PathMetrics: a node publishes only as
// itself. A datum whose InstanceId dimension names another node refuses the
// whole batch (BadRequest, nothing stored); data without the dimension is
// passed on as sent. Without Options.Metrics the path is NotFound, which
// tells the agent this server takes no metrics.
func (h *Hub) putMetrics(ctx context.Context, nodeID string, req agentproto.MetricsRequest) error {
	if h.opts.Metrics == nil {
		return steward.Errorf(agentproto.CodeNotFound, "This server does not accept agent metrics.")
	}
	for i, d := range req.Data {
		for _, dim := range d.Dimensions {
			if dim.Name == agentproto.DimensionInstanceID && dim.Value != nodeID {
				return steward.Errorf(agentproto.CodeBadRequest,
					"Datum %d (%s) has dimension InstanceId=%q: node %s may publish only its own InstanceId.", i+1, d.MetricName, dim.Value, nodeID)
			}
		}
	}
	return h.opts.Metrics.PutNodeMetrics(ctx, nodeID, req)
}
