// Package cloudwatch is CloudWatch metrics: PutMetricData (and
// PutServiceMetricData for AWS/ namespaces written by Steward itself),
// GetMetricStatistics, GetMetricData and ListMetrics over stored aggregates
// (store.go), with CloudWatch's validation, periods, retention and
// extended statistics (extended.go). It imports no SQL and no transport:
// sqlstore implements Store, gateway/cloudwatchapi speaks the wire. Alarms
// come with the CloudWatch issue.
package cloudwatch
