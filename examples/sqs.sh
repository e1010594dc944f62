#!/usr/bin/env bash
# SQS against a running `steward dev`: a work queue with a dead-letter
# queue, messages with attributes, a long poll that answers when a message
# arrives, redelivery after the visibility timeout, the redrive to the
# dead-letter queue, and a FIFO queue's order and deduplication.
# Usage: examples/sqs.sh [endpoint] [data-dir]
set -euo pipefail
EP=${1:-http://127.0.0.1:4580}
DATA=${2:-.steward}
export AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=
aws() { command aws --endpoint-url "$EP" "$@"; }
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)

# A dead-letter queue, and a work queue that sends a message there on the
# receive after its second (maxReceiveCount 2). Visibility 2 s for the demo.
DLQ=$(aws sqs create-queue --queue-name jobs-dlq --query QueueUrl --output text)
DLQ_ARN=$(aws sqs get-queue-attributes --queue-url "$DLQ" --attribute-names QueueArn --query Attributes.QueueArn --output text)
Q=$(aws sqs create-queue --queue-name jobs --query QueueUrl --output text \
  --attributes "{\"VisibilityTimeout\":\"2\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}")
echo "queue: $Q"

# A long poll in the background answers as soon as the message is sent.
aws sqs receive-message --queue-url "$Q" --wait-time-seconds 20 --attribute-names All \
  --message-attribute-names All --query 'Messages[0].[Body,Attributes.ApproximateReceiveCount]' --output text &
sleep 1
aws sqs send-message --queue-url "$Q" --message-body 'resize photo 42' \
  --message-attributes '{"priority":{"DataType":"Number","StringValue":"1"},"kind":{"DataType":"String","StringValue":"image"}}'
wait

# Not deleted: it comes back after the visibility timeout (receive 2), and
# the receive after that moves it to the dead-letter queue.
aws sqs receive-message --queue-url "$Q" --wait-time-seconds 20 --attribute-names ApproximateReceiveCount \
  --query 'Messages[0].[Body,Attributes.ApproximateReceiveCount]' --output text
sleep 3
aws sqs receive-message --queue-url "$Q" --query 'length(Messages || `[]`)' --output text   # 0: redriven
aws sqs receive-message --queue-url "$DLQ" --attribute-names DeadLetterQueueSourceArn \
  --query 'Messages[0].[Body,Attributes.DeadLetterQueueSourceArn]' --output text
aws sqs list-dead-letter-source-queues --queue-url "$DLQ"

# Batches, and what the queue holds.
aws sqs send-message-batch --queue-url "$Q" --entries \
  '[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two"},{"Id":"c","MessageBody":"three","DelaySeconds":60}]' \
  --query 'Successful[].Id' --output text
aws sqs get-queue-attributes --queue-url "$Q" --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesDelayed

# FIFO: one order per message group; the same content again within 5
# minutes is accepted but not delivered twice.
F=$(aws sqs create-queue --queue-name deploys.fifo --attributes FifoQueue=true,ContentBasedDeduplication=true --query QueueUrl --output text)
for step in build test deploy build; do
  aws sqs send-message --queue-url "$F" --message-group-id web-01 --message-body "$step" --query SequenceNumber --output text
done
aws sqs receive-message --queue-url "$F" --max-number-of-messages 10 --query 'Messages[].Body' --output text   # build test deploy

aws sqs delete-queue --queue-url "$F"
aws sqs delete-queue --queue-url "$Q"
aws sqs delete-queue --queue-url "$DLQ"
echo "account $ACCOUNT: done"
