"""boto3 against the EventBridge API: pagination with NextToken (through
boto3's paginators and by hand), limits and error codes. Prints "ok" when
everything held, else raises."""
import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

c = boto3.client("events", endpoint_url=os.environ["STEWARD_URL"], region_name="us-east-1",
                 config=Config(retries={"max_attempts": 1}))
acct = "000000000000"
queue = f"arn:aws:sqs:us-east-1:{acct}:paged"


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, (code, e.response["Error"])
        return e.response["Error"]["Message"]
    raise AssertionError(f"{fn.__name__} succeeded, want {code}")


for i in range(25):
    c.put_rule(Name=f"paged-{i:02d}", EventPattern=json.dumps({"source": [f"s{i}"]}))
    c.put_targets(Rule=f"paged-{i:02d}", Targets=[{"Id": "q", "Arn": queue}])

names = [r["Name"] for page in c.get_paginator("list_rules").paginate(NamePrefix="paged-", PaginationConfig={"PageSize": 10})
         for r in page["Rules"]]
assert names == [f"paged-{i:02d}" for i in range(25)], names

first = c.list_rules(NamePrefix="paged-", Limit=10)
assert len(first["Rules"]) == 10 and "NextToken" in first
second = c.list_rules(NamePrefix="paged-", Limit=10, NextToken=first["NextToken"])
assert second["Rules"][0]["Name"] == "paged-10", second["Rules"][0]

by_target = [n for page in c.get_paginator("list_rule_names_by_target").paginate(TargetArn=queue, PaginationConfig={"PageSize": 7})
             for n in page["RuleNames"]]
assert len(by_target) == 25, by_target

targets = [{"Id": f"t{i}", "Arn": queue} for i in range(4)]
c.put_targets(Rule="paged-00", Targets=targets)
got = [t["Id"] for page in c.get_paginator("list_targets_by_rule").paginate(Rule="paged-00", PaginationConfig={"PageSize": 2})
       for t in page["Targets"]]
assert got == ["q", "t0", "t1", "t2", "t3"], got
expect_error("LimitExceededException", c.put_targets, Rule="paged-00", Targets=[{"Id": "t9", "Arn": queue}])

for i in range(3):
    c.create_event_bus(Name=f"paged-bus-{i}")
buses = c.list_event_buses(NamePrefix="paged-bus-", Limit=2)
assert len(buses["EventBuses"]) == 2 and "NextToken" in buses, buses
rest = c.list_event_buses(NamePrefix="paged-bus-", Limit=2, NextToken=buses["NextToken"])
assert [b["Name"] for b in rest["EventBuses"]] == ["paged-bus-2"], rest

expect_error("ValidationException", c.list_rules, NextToken="not-a-token")
expect_error("ValidationException", c.list_rules, Limit=101)
entries = [{"Source": "a", "DetailType": "b", "Detail": "{}"}] * 11
expect_error("ValidationException", c.put_events, Entries=entries)
big = json.dumps({"x": "y" * (256 * 1024)})
expect_error("ValidationException", c.put_events, Entries=[{"Source": "a", "DetailType": "b", "Detail": big}])
msg = expect_error("InvalidEventPatternException", c.put_rule, Name="bad", EventPattern='{"detail":{"n":[{"numeric":[">"]}]}}')
assert msg.startswith("Event pattern is not valid. Reason: "), msg

ok = c.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": '{"k": "日本語"}', "Resources": ["r1", "r2"]}] * 10)
assert ok["FailedEntryCount"] == 0 and len(ok["Entries"]) == 10, ok
print("ok")
