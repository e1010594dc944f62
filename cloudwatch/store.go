package cloudwatch

import (
	"context"
	"time"
)

// Storage model. A metric is (namespace, name, dimension set); its data is
// kept as aggregates ("buckets") per unit at four resolutions, each with
// CloudWatch's retention (reference B2):
//
//	1 s     only for StorageResolution 1 data   kept 3 hours
//	60 s    every datum                          kept 15 days
//	300 s   every datum                          kept 63 days
//	3600 s  every datum                          kept 455 days
//
// PutMetricData turns each datum into one Point per resolution that applies
// (the bucket containing its timestamp) and the store merges them into what
// is stored (Stats.Merge), so every read is over aggregates of the period it
// asks for or finer, and nothing is recomputed from raw data.

// Resolutions are the bucket widths kept, in seconds, finest first.
var Resolutions = []int{1, 60, 300, 3600}

// Retention is how long buckets of each resolution are kept.
var Retention = map[int]time.Duration{
	1:    3 * time.Hour,
	60:   15 * 24 * time.Hour,
	300:  63 * 24 * time.Hour,
	3600: 455 * 24 * time.Hour,
}

// MetricActiveFor is how long a metric without new data stays listed by
// ListMetrics (two weeks).
const MetricActiveFor = 14 * 24 * time.Hour

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  string
	Value string
}

// Metric identifies a metric. Dimensions are sorted by Name (names are
// unique within a metric). Key is the canonical identity (MetricKey), the
// store's unique key; LastPut is when data last arrived (server time).
type Metric struct {
	Namespace  string
	Name       string
	Dimensions []Dimension
	Key        string
	LastPut    time.Time
}

// Stats is an aggregate of samples: count, sum, minimum, maximum and, for
// percentiles, the distribution of the values (nil when the data came as
// statistic sets, which carry none). Values is sorted by Value, at most
// MaxDistinct entries (Merge compacts beyond that).
type Stats struct {
	Count  float64
	Sum    float64
	Min    float64
	Max    float64
	Values []ValueCount
}

// ValueCount is one value of a distribution with how many samples had it.
type ValueCount struct {
	Value float64
	Count float64
}

// Point is one bucket of one metric: the metric's Key, the unit the data
// was put with ("None" when unset), the bucket's start (a multiple of
// Resolution seconds since the epoch, UTC) and its aggregate.
type Point struct {
	Key        string
	Unit       string
	Time       time.Time
	Resolution int
	Stats      Stats
}

// MetricQuery selects metrics for ListMetrics: all of the set fields must
// hold. A DimensionFilter with a nil Value matches any value of that name.
// ActiveSince drops metrics whose LastPut is earlier. After is a Key to
// continue beyond (exclusive); results come in Key order, at most Limit.
type MetricQuery struct {
	Namespace   string
	Name        string
	Dimensions  []DimensionFilter
	ActiveSince time.Time
	After       string
	Limit       int
}

// DimensionFilter is a ListMetrics dimension filter.
type DimensionFilter struct {
	Name  string
	Value *string
}

// Store persists metrics and their buckets. Implementations: sqlstore
// (SQLite and PostgreSQL), checked by storetest.
//
// AddPoints, in one transaction, upserts the metrics (creating them, or
// moving LastPut forward) and merges each point into the stored bucket of
// (Key, Unit, Time, Resolution) with Stats.Merge (inserting it when there is
// none). Every point's Key is one of metrics' Keys.
//
// ReadPoints returns the buckets of one metric at one resolution with
// start <= Time < end, in Time order (then Unit); unit "" means every unit.
// Without values the distributions are not read (Stats.Values nil): basic
// statistics do not need them, and they are most of a bucket's bytes.
//
// ListMetrics answers a MetricQuery. PurgePoints deletes, per resolution,
// buckets older than now minus that resolution's Retention, and metrics
// whose LastPut is older than now minus MetricActiveFor and that have no
// bucket left; it returns how many rows went.
type Store interface {
	AddPoints(ctx context.Context, metrics []Metric, points []Point) error
	ReadPoints(ctx context.Context, key string, resolution int, start, end time.Time, unit string, values bool) ([]Point, error)
	ListMetrics(ctx context.Context, q MetricQuery) ([]Metric, error)
	PurgePoints(ctx context.Context, now time.Time) (int, error)
}
