#!/usr/bin/env bash
# Run Command against the local managed node of a running `steward dev`:
# find the node, send a command by tag, wait for it, read its output, and
# cancel a long one.
# Usage: examples/run-command.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }

NODE=$(aws ssm describe-instance-information --query 'InstanceInformationList[0].InstanceId' --output text)
echo "node: $NODE"
aws ssm add-tags-to-resource --resource-type ManagedInstance --resource-id "$NODE" --tags Key=role,Value=demo

CMD=$(aws ssm send-command --document-name AWS-RunShellScript \
  --targets Key=tag:role,Values=demo \
  --parameters 'commands=["echo hello from $(hostname)","uptime"]' \
  --comment "example" --query Command.CommandId --output text)
aws ssm wait command-executed --command-id "$CMD" --instance-id "$NODE"
aws ssm get-command-invocation --command-id "$CMD" --instance-id "$NODE" \
  --query '[Status,StandardOutputContent]' --output text

# A long command, cancelled: the whole process group is killed.
LONG=$(aws ssm send-command --document-name AWS-RunShellScript --instance-ids "$NODE" \
  --parameters 'commands=["sleep 600"]' --query Command.CommandId --output text)
sleep 2
aws ssm cancel-command --command-id "$LONG"
sleep 2
aws ssm list-command-invocations --command-id "$LONG" --query 'CommandInvocations[0].[Status,StatusDetails]' --output text
