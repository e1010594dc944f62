package server

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/ssm"
)

// Agent metrics: what steward-agent collects (its CloudWatch-agent config)
// reaches CloudWatch through the agent channel (fleet.Metrics), and the
// server publishes a per-node health metric from the agents' heartbeats, as
// EC2 status checks are published for instances (scenario S3).

// agentMetrics is fleet.Metrics on CloudWatch. It reads s.metrics when a
// request comes: the hub is built before CloudWatch, and serves nothing
// before Open has set both.
type agentMetrics struct{ s *Server }

// PutNodeMetrics stores a node's batch with PutMetricData (a custom
// namespace, validated as PutMetricData validates: an agent cannot publish
// into AWS/…). CloudWatch's refusals go back to the agent as BadRequest
// with CloudWatch's code and message.
func (m agentMetrics) PutNodeMetrics(ctx context.Context, nodeID string, req agentproto.MetricsRequest) error {
	svc := m.s.metrics
	if svc == nil {
		return steward.Errorf(agentproto.CodeNotFound, "This server does not accept agent metrics.")
	}
	data := make([]cloudwatch.MetricDatum, len(req.Data))
	for i, d := range req.Data {
		v := d.Value
		dims := make([]cloudwatch.Dimension, len(d.Dimensions))
		for j, dim := range d.Dimensions {
			dims[j] = cloudwatch.Dimension{Name: dim.Name, Value: dim.Value}
		}
		data[i] = cloudwatch.MetricDatum{MetricName: d.MetricName, Dimensions: dims, Timestamp: d.Timestamp,
			Value: &v, Unit: d.Unit, StorageResolution: d.StorageResolution}
	}
	err := svc.PutMetricData(ctx, req.Namespace, data)
	if e := steward.AsError(err); e != nil && e.Code != steward.CodeInternalFailure {
		return steward.Errorf(agentproto.CodeBadRequest, "%s: %s", e.Code, e.Message)
	}
	return err
}

// The per-node health metric: every nodeHealthEvery, for every registered
// node, namespace AWS/EC2, dimension InstanceId, unit Count: 0 when the node
// is Online (heard from within agentproto.ConnectionLostAfter), 1 when not.
const (
	nodeHealthEvery     = time.Minute
	nodeHealthNamespace = "AWS/EC2"
	nodeHealthPage      = 50 // DescribeInstanceInformation's largest page
	nodeHealthTimeout   = 30 * time.Second
)

// The per-node association count (scenario S1: watched before it reaches
// State Manager's limit of 20 per node, with no glue code): namespace
// Steward/SSM, metric AssociationCount, dimension InstanceId, published
// with the health metric — the count DescribeInstanceAssociationsStatus
// lists.
const (
	associationNamespace = "Steward/SSM"
	associationMetric    = "AssociationCount"
)

// nodeHealthMetrics are published with the same value: the system and the
// instance check, and their union, as EC2 does.
var nodeHealthMetrics = []string{"StatusCheckFailed_System", "StatusCheckFailed_Instance", "StatusCheckFailed"}

// nodeHealth is the loop that publishes the health metric; stop ends it.
type nodeHealth struct {
	nodes *ssm.Nodes
	stop  func()
}

// openNodeHealth starts publishing the health metric (stopped by
// closeNodeHealth). CloudWatch must be open.
func (s *Server) openNodeHealth(nodes *ssm.Nodes) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.health = &nodeHealth{nodes: nodes, stop: func() { cancel(); <-done }}
	go func() {
		defer close(done)
		t := time.NewTicker(nodeHealthEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				rctx, rcancel := context.WithTimeout(ctx, nodeHealthTimeout)
				if err := s.publishNodeHealthOnce(rctx); err != nil && ctx.Err() == nil {
					s.log.Warn("cloudwatch: publishing node health failed; trying again next minute", "err", err)
				}
				rcancel()
			}
		}
	}()
}

// closeNodeHealth stops the loop and waits for it.
func (s *Server) closeNodeHealth() {
	if s.health != nil && s.health.stop != nil {
		s.health.stop()
		s.health.stop = nil
	}
}

// publishNodeHealthOnce runs the round of the current minute unless this
// or another replica sharing the database has run it: one datapoint per
// node and minute however many replicas run.
func (s *Server) publishNodeHealthOnce(ctx context.Context) error {
	ok, err := s.db.ClaimPeriod(ctx, "node-health", s.cfg.Clock.Now().Truncate(nodeHealthEvery))
	if err != nil || !ok {
		return err
	}
	return s.PublishNodeHealth(ctx)
}

// PublishNodeHealth runs one round of the health metric now: it pages
// through the registered nodes (DescribeInstanceInformation, 50 a page; a
// deregistered node is not listed) and puts one batch per page, timestamped
// with the server's clock. The loop calls it every minute; tests call it to
// drive a round.
func (s *Server) PublishNodeHealth(ctx context.Context) error {
	if s.health == nil || s.metrics == nil {
		return nil
	}
	now := s.cfg.Clock.Now()
	in := ssm.DescribeInstanceInformationInput{MaxResults: new(int)}
	*in.MaxResults = nodeHealthPage
	for {
		page, err := s.health.nodes.DescribeInstanceInformation(ctx, in)
		if err != nil {
			return err
		}
		data := make([]cloudwatch.MetricDatum, 0, len(page.Instances)*len(nodeHealthMetrics))
		counts, err := s.associationCounts(ctx, page.Instances)
		if err != nil {
			return err
		}
		for _, n := range page.Instances {
			v := 1.0
			if n.PingStatus == ssm.PingOnline {
				v = 0
			}
			dims := []cloudwatch.Dimension{{Name: agentproto.DimensionInstanceID, Value: n.InstanceID}}
			for _, name := range nodeHealthMetrics {
				data = append(data, cloudwatch.MetricDatum{MetricName: name, Dimensions: dims, Timestamp: now, Value: &v, Unit: "Count"})
			}
		}
		if len(data) > 0 {
			if err := s.metrics.PutServiceMetricData(ctx, nodeHealthNamespace, data); err != nil {
				return err
			}
		}
		if len(counts) > 0 {
			if err := s.metrics.PutServiceMetricData(ctx, associationNamespace, counts); err != nil {
				return err
			}
		}
		if page.NextToken == "" {
			return nil
		}
		in.NextToken = page.NextToken
	}
}

// associationCounts is the AssociationCount datum of each node of a page
// (0 for a node without associations), from one query.
func (s *Server) associationCounts(ctx context.Context, nodes []*ssm.InstanceInformation) ([]cloudwatch.MetricDatum, error) {
	if s.assocs == nil || len(nodes) == 0 {
		return nil, nil
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = n.InstanceID
	}
	counts, err := s.assocs.CountByNode(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	out := make([]cloudwatch.MetricDatum, len(ids))
	for i, id := range ids {
		v := float64(counts[id])
		out[i] = cloudwatch.MetricDatum{MetricName: associationMetric, Timestamp: now, Value: &v, Unit: "Count",
			Dimensions: []cloudwatch.Dimension{{Name: agentproto.DimensionInstanceID, Value: id}}}
	}
	return out, nil
}
