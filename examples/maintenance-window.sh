#!/usr/bin/env bash
# Maintenance Windows against a running `steward dev` (scenario S4 in
# miniature): a window that opens about a minute from now, the local node as
# its target, a RUN_COMMAND task with MaxConcurrency 1 and MaxErrors 100%,
# then the execution, task and invocation records.
# Usage: examples/maintenance-window.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }
NODE=$(aws ssm describe-instance-information --query 'InstanceInformationList[0].InstanceId' --output text)
aws ssm add-tags-to-resource --resource-type ManagedInstance --resource-id "$NODE" --tags Key=MaintenanceTarget,Value=true

# The seed uses cron(0 */5 * * * ? *); for the demo, one run at the next whole minute.
AT=$(date -u -d "@$(( $(date +%s) / 60 * 60 + 60 ))" +%Y-%m-%dT%H:%M:%S)
WIN=$(aws ssm create-maintenance-window --name heavy-maintenance --schedule "at($AT)" --schedule-timezone Etc/UTC \
  --duration 2 --cutoff 1 --no-allow-unassociated-targets --query WindowId --output text)
TGT=$(aws ssm register-target-with-maintenance-window --window-id "$WIN" --resource-type INSTANCE \
  --targets Key=tag:MaintenanceTarget,Values=true --owner-information s4 --query WindowTargetId --output text)
aws ssm register-task-with-maintenance-window --window-id "$WIN" --task-arn AWS-RunShellScript --task-type RUN_COMMAND \
  --priority 1 --max-concurrency 1 --max-errors 100% --targets "Key=WindowTargetIds,Values=$TGT" \
  --task-invocation-parameters '{"RunCommand":{"Comment":"window {{WINDOW_ID}}","Parameters":{"commands":["echo maintenance on $(hostname)"]}}}' \
  --query WindowTaskId --output text
echo "window $WIN opens at $AT UTC"

for _ in $(seq 1 150); do
  STATUS=$(aws ssm describe-maintenance-window-executions --window-id "$WIN" --query 'WindowExecutions[0].Status' --output text)
  case "$STATUS" in SUCCESS|FAILED|TIMED_OUT|CANCELLED) break ;; esac
  sleep 1
done
EXEC=$(aws ssm describe-maintenance-window-executions --window-id "$WIN" --query 'WindowExecutions[0].WindowExecutionId' --output text)
echo "== execution $EXEC: $STATUS"
TASK=$(aws ssm describe-maintenance-window-execution-tasks --window-execution-id "$EXEC" \
  --query 'WindowExecutionTaskIdentities[0].TaskExecutionId' --output text)
aws ssm describe-maintenance-window-execution-task-invocations --window-execution-id "$EXEC" --task-id "$TASK" \
  --query 'WindowExecutionTaskInvocationIdentities[].[ExecutionId,Status,StatusDetails]' --output text
CMD=$(aws ssm describe-maintenance-window-execution-task-invocations --window-execution-id "$EXEC" --task-id "$TASK" \
  --query 'WindowExecutionTaskInvocationIdentities[0].ExecutionId' --output text)
aws ssm get-command-invocation --command-id "$CMD" --instance-id "$NODE" --query StandardOutputContent --output text
aws ssm delete-maintenance-window --window-id "$WIN" >/dev/null
