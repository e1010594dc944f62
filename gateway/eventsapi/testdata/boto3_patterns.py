"""Replays the event-pattern suite through TestEventPattern with boto3.

STEWARD_CASES names a JSON list prepared by the Go test from
events/pattern/testdata/cases.json (pattern and event as the exact text to
send: the event merged over the envelope, numbers spelled as written):
{name, expect, pattern, event, reason}. match / no-match must come back as
Result, invalid as InvalidEventPatternException whose message holds the
reason (ValidationException for a pattern over the API's 4096 characters).
Prints "ok N" when every case held, else one line per failure.
"""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

with open(os.environ["STEWARD_CASES"], encoding="utf-8") as f:
    cases = json.load(f)

client = boto3.client(
    "events",
    endpoint_url=os.environ["STEWARD_URL"],
    region_name="us-east-1",
    config=Config(retries={"max_attempts": 1}),
)

failures = []
for case in cases:
    name, pattern = case["name"], case["pattern"]
    try:
        got = client.test_event_pattern(EventPattern=pattern, Event=case["event"])
        result = "match" if got["Result"] else "no-match"
        if result != case["expect"]:
            failures.append(f"{name}: {result}, want {case['expect']}")
    except ClientError as e:
        code, msg = e.response["Error"]["Code"], e.response["Error"]["Message"]
        if case["expect"] != "invalid":
            failures.append(f"{name}: {code} {msg}, want {case['expect']}")
        elif len(pattern) > 4096:
            if code != "ValidationException":
                failures.append(f"{name}: {code}, want ValidationException (pattern over 4096 characters)")
        elif code != "InvalidEventPatternException" or case["reason"] not in msg:
            failures.append(f"{name}: {code} {msg!r}, want InvalidEventPatternException with {case['reason']!r}")

for line in failures:
    print(line)
if not failures:
    print(f"ok {len(cases)}")
sys.exit(1 if failures else 0)
