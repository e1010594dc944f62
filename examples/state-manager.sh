#!/usr/bin/env bash
# State Manager against a running `steward dev` (scenario S1): associations
# on the local node, the per-node association count (what the article
# watches before the node reaches the limit of 20), the executions, and the
# count as a built-in metric.
# Usage: examples/state-manager.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }
NODE=$(aws ssm describe-instance-information --query 'InstanceInformationList[0].InstanceId' --output text)
echo "node: $NODE"

# Two associations on the node; each runs at creation, then on its schedule.
A1=$(aws ssm create-association --name AWS-RunShellScript --association-name disk-report \
  --targets "Key=InstanceIds,Values=$NODE" --schedule-expression 'rate(6 hours)' \
  --parameters commands='df -h /' --query AssociationDescription.AssociationId --output text)
A2=$(aws ssm create-association --name AWS-RunShellScript --association-name uptime-report \
  --targets "Key=InstanceIds,Values=$NODE" --schedule-expression 'cron(0 5 ? * TUE *)' \
  --parameters commands=uptime --query AssociationDescription.AssociationId --output text)

# Wait for both first runs to finish on the node.
for _ in $(seq 1 60); do
  done_count=$(aws ssm describe-instance-associations-status --instance-id "$NODE" \
    --query 'length(InstanceAssociationStatusInfos[?Status==`Success`])' --output text)
  [ "$done_count" = 2 ] && break
  sleep 1
done
echo "== associations on the node (S1's count: $(aws ssm describe-instance-associations-status --instance-id "$NODE" \
  --query 'length(InstanceAssociationStatusInfos)' --output text))"
aws ssm describe-instance-associations-status --instance-id "$NODE" \
  --query 'InstanceAssociationStatusInfos[].[AssociationName,Status,DetailedStatus,ExecutionSummary]' --output text

echo "== executions of disk-report"
aws ssm describe-association-executions --association-id "$A1" \
  --query 'AssociationExecutions[].[ExecutionId,Status,ResourceCountByStatus]' --output text

# Steward publishes the count every minute as Steward/SSM AssociationCount
# (dimension InstanceId): an alarm at 18 warns before the 21st fails.
aws cloudwatch put-metric-alarm --alarm-name "$NODE-associations-near-limit" --namespace Steward/SSM \
  --metric-name AssociationCount --dimensions "Name=InstanceId,Value=$NODE" --statistic Maximum \
  --period 60 --evaluation-periods 1 --threshold 18 --comparison-operator GreaterThanOrEqualToThreshold
aws cloudwatch describe-alarms --alarm-names "$NODE-associations-near-limit" \
  --query 'MetricAlarms[].[AlarmName,StateValue]' --output text

aws ssm delete-association --association-id "$A1"
aws ssm delete-association --association-id "$A2"
aws cloudwatch delete-alarms --alarm-names "$NODE-associations-near-limit"
echo "== after deleting: $(aws ssm describe-instance-associations-status --instance-id "$NODE" \
  --query 'length(InstanceAssociationStatusInfos)' --output text) associations"
