"""SQS round trip with boto3 (JSON 1.0) against Steward.

Run by TestBoto3 with STEWARD_URL and AWS credentials in the environment.
botocore does not verify SQS digests itself, so this script does: the
message body and attributes it parsed must hash to the MD5s it got.
"""
import hashlib
import os
import struct
import threading
import time

import boto3
from botocore.exceptions import ClientError


def md5_of_attributes(attrs):
    buf = b""
    for name in sorted(attrs):
        v = attrs[name]
        enc = lambda b: struct.pack(">I", len(b)) + b
        buf += enc(name.encode()) + enc(v["DataType"].encode())
        if "StringValue" in v:
            buf += b"\x01" + enc(v["StringValue"].encode())
        else:
            buf += b"\x02" + enc(v["BinaryValue"])
    return hashlib.md5(buf).hexdigest()


sqs = boto3.client("sqs", endpoint_url=os.environ["STEWARD_URL"], region_name="us-east-1")
url = sqs.create_queue(QueueName="boto", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
attrs = {
    "s": {"DataType": "String", "StringValue": "grüße"},
    "n": {"DataType": "Number.int", "StringValue": "7"},
    "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
}
body = "boto3 says hi\r\n"
sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest(), sent
assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs), sent

got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"], MaxNumberOfMessages=10)
(m,) = got["Messages"]
assert m["Body"] == body and m["MessageId"] == sent["MessageId"], m
assert m["MD5OfBody"] == hashlib.md5(m["Body"].encode()).hexdigest(), m
assert m["MD5OfMessageAttributes"] == md5_of_attributes(m["MessageAttributes"]), m
assert m["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\xff", m
assert m["Attributes"]["ApproximateReceiveCount"] == "1", m

# Visibility 1 s: a long poll gets it back when it reappears.
again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, AttributeNames=["ApproximateReceiveCount"])["Messages"]
assert again[0]["MessageId"] == m["MessageId"] and again[0]["Attributes"]["ApproximateReceiveCount"] == "2", again
sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])

# Long poll woken by a send from another thread.
threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="later")).start()
polled = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
assert polled[0]["Body"] == "later", polled

try:
    sqs.get_queue_url(QueueName="nope")
    raise SystemExit("get_queue_url of a missing queue succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response
    assert isinstance(e, sqs.exceptions.QueueDoesNotExist), type(e)

sqs.delete_queue(QueueUrl=url)
print("ok")
