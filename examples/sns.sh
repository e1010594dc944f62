#!/usr/bin/env bash
# SNS against a running `steward dev`: a topic fanning out to an SQS queue
# (enveloped, with a filter policy) and a raw queue, an email subscription
# confirmed by following the link in the caught mail, a Japanese alert, and
# a look at what arrived where.
# Usage: examples/sns.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
STEWARD=${STEWARD:-steward}   # or: STEWARD="go run ./cmd/steward"
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }
mail() { $STEWARD mail "$@" --endpoint "$EP" --credentials "$DATA/credentials"; }
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

TOPIC=$(aws sns create-topic --name ops-alerts --attributes DisplayName=運用 --query TopicArn --output text)
echo "topic: $TOPIC"

# Two queues: every high-severity alert as AWS's signed JSON envelope, and
# every alert raw (the bare message, SNS attributes as SQS attributes).
HIGH=$(aws sqs create-queue --queue-name ops-high --query QueueUrl --output text)
RAW=$(aws sqs create-queue --queue-name ops-raw --query QueueUrl --output text)
aws sns subscribe --topic-arn "$TOPIC" --protocol sqs \
  --notification-endpoint "arn:aws:sqs:$AWS_DEFAULT_REGION:$ACCOUNT:ops-high" \
  --attributes '{"FilterPolicy":"{\"severity\":[\"high\",\"critical\"]}"}'
aws sns subscribe --topic-arn "$TOPIC" --protocol sqs \
  --notification-endpoint "arn:aws:sqs:$AWS_DEFAULT_REGION:$ACCOUNT:ops-raw" \
  --attributes RawMessageDelivery=true

# Email: pending until the link in the confirmation mail is followed. In dev
# the mail is caught; read it and follow the link.
aws sns subscribe --topic-arn "$TOPIC" --protocol email --notification-endpoint ops@example.com
sleep 1
ID=$(mail list -n 1 | awk 'NR==2 {print $1}')
LINK=$(mail read "$ID" | grep -o 'http[^ ]*confirmation.html[^ ]*')
curl -fsS "$LINK" >/dev/null && echo "email subscription confirmed"
aws sns list-subscriptions-by-topic --topic-arn "$TOPIC" \
  --query 'Subscriptions[].[Protocol,Endpoint,SubscriptionArn]' --output text

# The alert (the seed scenario's mail is Japanese).
aws sns publish --topic-arn "$TOPIC" --subject '【障害】web-01 のディスクが一杯です' \
  --message $'ディスク使用率: 97%\nノード: mi-0123456789abcdef0' \
  --message-attributes '{"severity":{"DataType":"String","StringValue":"critical"}}'
aws sns publish --topic-arn "$TOPIC" --message 'routine check ok' \
  --message-attributes '{"severity":{"DataType":"String","StringValue":"info"}}'
sleep 1

echo "--- ops-high (enveloped, filtered: the critical alert only)"
aws sqs receive-message --queue-url "$HIGH" --max-number-of-messages 10 --query 'Messages[].Body' --output text
echo "--- ops-raw (raw: both)"
aws sqs receive-message --queue-url "$RAW" --max-number-of-messages 10 --message-attribute-names All \
  --query 'Messages[].[Body,MessageAttributes.severity.StringValue]' --output text
echo "--- the mail (the alert: the second newest)"
mail list -n 3
mail read "$(mail list -n 2 | awk 'NR==3 {print $1}')"
