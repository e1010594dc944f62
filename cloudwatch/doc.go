// Package cloudwatch is CloudWatch metrics: PutMetricData, GetMetricStatistics,
// GetMetricData and ListMetrics over stored aggregates (store.go). Alarms come
// with the CloudWatch issue.
package cloudwatch
