package agentproto

import "time"

// Metrics carry the data the agent collects the way the CloudWatch agent
// does (procstat, cpu, mem, disk) to the server's CloudWatch metrics.
//
// Capability: PathMetrics was added without a Version bump, as PathSession
// was: an agent that sends it to an older server gets 404 NotFound and stops
// sending metrics for a while (dropping what it collected); a newer server
// serves agents that never send it unchanged. A server that does not store
// agent metrics answers NotFound too.
//
// Identity: the request is authenticated like every other (node key or
// session), and the server publishes the data as that node. A datum with an
// InstanceId dimension must name the authenticated node; one that names any
// other refuses the whole request (BadRequest, nothing stored). Data
// without the dimension is stored as sent.
//
// Errors: a request CloudWatch's PutMetricData would refuse (namespace,
// names, values, timestamps, more than MaxMetricData data) is BadRequest
// with CloudWatch's message; the agent logs it and drops that batch. 5xx and
// network errors are retried with backoff.

// PathMetrics publishes a batch of metric data (MetricsRequest).
const PathMetrics = PathPrefix + "metrics"

// MaxMetricData is the most data one MetricsRequest carries (PutMetricData's
// limit).
const MaxMetricData = 1000

// DimensionInstanceID is the dimension that names the node
// (${aws:InstanceId} in the CloudWatch agent's append_dimensions).
const DimensionInstanceID = "InstanceId"

// MetricsRequest is one batch of data of one namespace.
type MetricsRequest struct {
	Namespace string        `json:"namespace"`
	Data      []MetricDatum `json:"data"`
}

// MetricDatum is one value, as PutMetricData takes it.
type MetricDatum struct {
	MetricName string      `json:"metricName"`
	Dimensions []Dimension `json:"dimensions,omitempty"`
	Timestamp  time.Time   `json:"timestamp"`
	Value      float64     `json:"value"`
	Unit       string      `json:"unit,omitempty"` // a CloudWatch StandardUnit; "" is None
	// StorageResolution is 1 for high-resolution data (collected more
	// often than once a minute), else 0 or 60.
	StorageResolution int `json:"storageResolution,omitempty"`
}

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
