#!/usr/bin/env bash
# CloudWatch metrics against a running `steward dev`: custom metrics put
# three ways (single values, a value list with counts, a statistic set),
# read back as statistics and percentiles, as GetMetricData series (with a
# little metric math), and listed.
# Usage: examples/cloudwatch.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }

# Two minutes ago and one minute ago, on whole minutes (UTC).
T1=$(date -u -d "@$(( $(date +%s) / 60 * 60 - 120 ))" +%Y-%m-%dT%H:%M:%SZ)
T2=$(date -u -d "@$(( $(date +%s) / 60 * 60 - 60 ))" +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u -d "@$(( $(date +%s) / 60 * 60 ))" +%Y-%m-%dT%H:%M:%SZ)

# Request latency of web-1: ten samples at T1 (as values with counts), one
# statistic set at T2; a plain value for web-2.
aws cloudwatch put-metric-data --namespace Example/Web --metric-data "[
  {\"MetricName\":\"Latency\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"web-1\"}],\"Timestamp\":\"$T1\",
   \"Values\":[12,15,20,250],\"Counts\":[4,3,2,1],\"Unit\":\"Milliseconds\"},
  {\"MetricName\":\"Latency\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"web-1\"}],\"Timestamp\":\"$T2\",
   \"StatisticValues\":{\"SampleCount\":5,\"Sum\":100,\"Minimum\":10,\"Maximum\":40},\"Unit\":\"Milliseconds\"}]"
aws cloudwatch put-metric-data --namespace Example/Web --metric-name Latency --dimensions Host=web-2 \
  --timestamp "$T1" --value 30 --unit Milliseconds

echo "== statistics per minute (web-1)"
aws cloudwatch get-metric-statistics --namespace Example/Web --metric-name Latency \
  --dimensions Name=Host,Value=web-1 --start-time "$T1" --end-time "$END" --period 60 \
  --statistics SampleCount Average Maximum --query 'sort_by(Datapoints,&Timestamp)[].[Timestamp,SampleCount,Average,Maximum]' --output text

echo "== p50 and p90 (a statistic set has no distribution: no percentiles for T2)"
aws cloudwatch get-metric-statistics --namespace Example/Web --metric-name Latency \
  --dimensions Name=Host,Value=web-1 --start-time "$T1" --end-time "$END" --period 60 \
  --extended-statistics p50 p90 --query 'sort_by(Datapoints,&Timestamp)[].[Timestamp,ExtendedStatistics.p50,ExtendedStatistics.p90]' --output text

echo "== GetMetricData: both hosts' maximum and their sum"
aws cloudwatch get-metric-data --start-time "$T1" --end-time "$END" --scan-by TimestampAscending --metric-data-queries '[
  {"Id":"w1","ReturnData":false,"MetricStat":{"Metric":{"Namespace":"Example/Web","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}]},"Period":60,"Stat":"Maximum"}},
  {"Id":"w2","ReturnData":false,"MetricStat":{"Metric":{"Namespace":"Example/Web","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-2"}]},"Period":60,"Stat":"Maximum"}},
  {"Id":"total","Expression":"SUM([w1, w2])","Label":"max of both"}]' \
  --query 'MetricDataResults[].[Label,join(`,`,Values[].to_string(@))]' --output text

echo "== metrics"
aws cloudwatch list-metrics --namespace Example/Web --query 'Metrics[].[MetricName,Dimensions[0].Value]' --output text
