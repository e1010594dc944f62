#!/usr/bin/env bash
# EventBridge against a running `steward dev`: a rule with an input
# transformer into an SQS queue, Parameter Store changes on the default bus,
# a Run Command target on the local managed node, a failing target whose
# events land in a dead-letter queue with AWS's attributes, and a schedule.
# Usage: examples/eventbridge.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }
ACCT=$(aws sts get-caller-identity --query Account --output text)
REGION=$AWS_DEFAULT_REGION

# Queues: one for the events, one dead-letter queue.
Q=$(aws sqs create-queue --queue-name example-orders --query QueueUrl --output text)
DLQ=$(aws sqs create-queue --queue-name example-failed --query QueueUrl --output text)
QARN=arn:aws:sqs:$REGION:$ACCT:example-orders
DLQARN=arn:aws:sqs:$REGION:$ACCT:example-failed

# 1. A pattern rule, an input transformer, PutEvents, the transformed message.
aws events put-rule --name example-big-orders \
  --event-pattern '{"source":["example.shop"],"detail-type":["Order Placed"],"detail":{"total":[{"numeric":[">=",100]}]}}'
aws events put-targets --rule example-big-orders --targets '[{
  "Id": "queue", "Arn": "'"$QARN"'",
  "InputTransformer": {
    "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total", "kind": "$.detail-type"},
    "InputTemplate": "{\"order\": <id>, \"total\": <total>, \"summary\": \"<kind>: <id>\", \"rule\": <aws.events.rule-name>}"}}]'
aws events put-events --entries '[
  {"Source":"example.shop","DetailType":"Order Placed","Detail":"{\"id\":\"o-1\",\"total\":250}"},
  {"Source":"example.shop","DetailType":"Order Placed","Detail":"{\"id\":\"o-2\",\"total\":5}"}]'
aws sqs receive-message --queue-url "$Q" --wait-time-seconds 5 --query 'Messages[0].Body' --output text

# 2. Service events: a Parameter Store change reaches a default-bus rule.
aws events put-rule --name example-params --event-pattern '{"source":["aws.ssm"],"detail-type":["Parameter Store Change"]}'
aws events put-targets --rule example-params --targets '[{"Id":"queue","Arn":"'"$QARN"'","InputPath":"$.detail"}]'
aws ssm put-parameter --name /example/feature-flag --value on --type String --overwrite
aws sqs receive-message --queue-url "$Q" --wait-time-seconds 5 --query 'Messages[].Body' --output text

# 3. A Run Command target: the event says what to run on the local node.
NODE=$(aws ssm describe-instance-information --query 'InstanceInformationList[0].InstanceId' --output text)
aws events put-rule --name example-ops --event-pattern '{"source":["example.ops"],"detail-type":["Run Requested"]}'
aws events put-targets --rule example-ops --targets '[{
  "Id": "run", "Arn": "arn:aws:ssm:'"$REGION"'::document/AWS-RunShellScript",
  "RunCommandParameters": {"RunCommandTargets": [{"Key": "InstanceIds", "Values": ["'"$NODE"'"]}]},
  "InputTransformer": {"InputPathsMap": {"what": "$.detail.what"}, "InputTemplate": "{\"commands\": [\"echo requested: <what>\", \"uptime\"]}"}}]'
aws events put-events --entries '[{"Source":"example.ops","DetailType":"Run Requested","Detail":"{\"what\":\"health check\"}"}]'
sleep 2
CMD=$(aws ssm list-commands --query 'Commands[0].CommandId' --output text)
aws ssm wait command-executed --command-id "$CMD" --instance-id "$NODE"
aws ssm get-command-invocation --command-id "$CMD" --instance-id "$NODE" --query StandardOutputContent --output text

# 4. A target that cannot be invoked: the event goes to the dead-letter queue.
aws events put-rule --name example-doomed --event-pattern '{"source":["example.doomed"]}'
aws events put-targets --rule example-doomed --targets '[{
  "Id": "gone", "Arn": "arn:aws:sqs:'"$REGION"':'"$ACCT"':no-such-queue",
  "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
  "DeadLetterConfig": {"Arn": "'"$DLQARN"'"}}]'
aws events put-events --entries '[{"Source":"example.doomed","DetailType":"t","Detail":"{}"}]'
aws sqs receive-message --queue-url "$DLQ" --wait-time-seconds 5 --message-attribute-names All \
  --query 'Messages[0].MessageAttributes.{code:ERROR_CODE.StringValue,message:ERROR_MESSAGE.StringValue,rule:RULE_ARN.StringValue,target:TARGET_ARN.StringValue,retries:RETRY_ATTEMPTS.StringValue}'

# 5. A schedule: a "Scheduled Event" every minute (see it in a minute or two).
aws events put-rule --name example-every-minute --schedule-expression 'rate(1 minute)'
aws events put-targets --rule example-every-minute --targets '[{"Id":"queue","Arn":"'"$QARN"'"}]'
aws events list-rules --name-prefix example- --query 'Rules[].[Name,State,EventPattern || ScheduleExpression]' --output text
echo "scheduled events arrive in $Q every minute; clean up with:"
echo "  for r in example-big-orders example-params example-ops example-doomed example-every-minute; do aws events remove-targets --rule \$r --ids queue run gone; aws events delete-rule --name \$r; done"

# 6. An API destination: a webhook called with an API key header. HOOK is
# any HTTP endpoint (for example `python3 -m http.server 8099` prints each
# request); a 5xx or no answer is retried, then dead-lettered.
HOOK=${HOOK:-http://127.0.0.1:8099/hooks/*}
CONN=$(aws events create-connection --name example-hook-auth --authorization-type API_KEY \
  --auth-parameters '{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"example-secret"}}' \
  --query ConnectionArn --output text)
aws events describe-connection --name example-hook-auth --query '{state:ConnectionState,auth:AuthParameters}'
DEST=$(aws events create-api-destination --cli-input-json '{"Name":"example-hook","ConnectionArn":"'"$CONN"'",
  "InvocationEndpoint":"'"$HOOK"'","HttpMethod":"POST","InvocationRateLimitPerSecond":10}' \
  --query ApiDestinationArn --output text)
aws events put-rule --name example-hook --event-pattern '{"source":["example.hook"]}'
aws events put-targets --rule example-hook --targets '[{"Id":"hook","Arn":"'"$DEST"'",
  "HttpParameters":{"PathParameterValues":["orders"],"HeaderParameters":{"x-origin":"steward"}},
  "RetryPolicy":{"MaximumRetryAttempts":2},"DeadLetterConfig":{"Arn":"'"$DLQARN"'"}}]'
aws events put-events --entries '[{"Source":"example.hook","DetailType":"t","Detail":"{\"id\":1}"}]'
