// Package cloudwatch is CloudWatch metrics: PutMetricData (and
// PutServiceMetricData for AWS/ namespaces written by Steward itself),
// GetMetricStatistics, GetMetricData and ListMetrics over stored aggregates
// (store.go), with CloudWatch's validation, periods, retention and
// extended statistics (extended.go). It imports no SQL and no transport:
// sqlstore implements Store and AlarmStore, gateway/cloudwatchapi speaks
// the wire. Alarms: alarm.go (API; history, tags and composite alarms in
// their own files), alarm_eval.go (the evaluation rule), alarm_engine.go
// (schedule, transitions, actions), alarm_text.go (reasons, events,
// notifications).
package cloudwatch
