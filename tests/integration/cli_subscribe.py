#!/usr/bin/env python3
"""kinesis subscribe-to-shard on kinesis-local over h2c, driven through the CLI like a user:
create a stream, `kinesis wait stream-exists`, register a consumer, `kinesis wait
consumer-active`, subscribe at LATEST, put a record after the subscription is live, and see it
arrive as a JSON line; then Ctrl-C (SIGINT) ends the subscription cleanly with exit 130.
Run under tests/harness/with_servers.py --servers kinesis-local."""
import base64
import json
import os
import selectors
import signal
import subprocess
import sys
import time

CLI = sys.argv[1]
ENDPOINT = os.environ.get("KINESIS_TEST_KINESIS_LOCAL_ENDPOINT")
if not ENDPOINT:
    print("KINESIS_TEST_KINESIS_LOCAL_ENDPOINT not set: run under with_servers.py")
    sys.exit(77)


def cli(*args, check=True):
    p = subprocess.run([CLI, "--endpoint-url", ENDPOINT, *args], capture_output=True, text=True,
                       timeout=120)
    if check and p.returncode != 0:
        sys.exit(f"FAIL: kinesis {' '.join(args)}: rc {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout) if p.stdout.strip() else {}


stream = f"sub-{int(time.time() * 1000)}"
cli("create-stream", "--stream-name", stream, "--shard-count", "1")
cli("wait", "stream-exists", "--stream-name", stream, "--delay", "0.2", "--max-attempts", "100")
arn = cli("describe-stream-summary", "--stream-name", stream)["StreamDescriptionSummary"]["StreamARN"]
consumer = cli("register-stream-consumer", "--stream-arn", arn, "--consumer-name", "cli-test")
consumer_arn = consumer["Consumer"]["ConsumerARN"]
cli("wait", "consumer-active", "--consumer-arn", consumer_arn, "--delay", "0.2",
    "--max-attempts", "100")
shard = cli("list-shards", "--stream-name", stream)["Shards"][0]["ShardId"]

sub = subprocess.Popen([CLI, "--endpoint-url", ENDPOINT, "subscribe-to-shard", "--consumer-arn",
                        consumer_arn, "--shard-id", shard, "--starting-position", "Type=LATEST"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
sel = selectors.DefaultSelector()
sel.register(sub.stdout, selectors.EVENT_READ)


def next_event(deadline):
    while time.time() < deadline:
        if sel.select(timeout=max(0.0, deadline - time.time())):
            line = sub.stdout.readline()
            if not line:
                return None
            return json.loads(line)
    return None


failures = []
# The first event (possibly empty) shows the subscription is live; only then put.
first = next_event(time.time() + 30)
if first is None or "SubscribeToShardEvent" not in first:
    sub.kill()
    sys.exit(f"FAIL: no event from subscribe-to-shard: {first!r} {sub.stderr.read()}")
payload = f"after-subscribe {time.time()}"
put = cli("put-record", "--stream-name", stream, "--partition-key", "k", "--data", payload)
got = None
deadline = time.time() + 30
while got is None and time.time() < deadline:
    ev = next_event(deadline)
    if ev is None:
        break
    for r in ev["SubscribeToShardEvent"]["Records"]:
        if base64.b64decode(r["Data"]).decode() == payload:
            got = r
if got is None:
    failures.append("the record put after subscribing never arrived")
elif got["SequenceNumber"] != put["SequenceNumber"] or got["PartitionKey"] != "k":
    failures.append(f"wrong record: {got}")
sub.send_signal(signal.SIGINT)
try:
    rc = sub.wait(timeout=10)
except subprocess.TimeoutExpired:
    sub.kill()
    rc = None
if rc != 130:
    failures.append(f"Ctrl-C: exit {rc}, expected 130; stderr {sub.stderr.read()!r}")
cli("deregister-stream-consumer", "--consumer-arn", consumer_arn)
cli("delete-stream", "--stream-name", stream, "--enforce-consumer-deletion")
for f in failures:
    print("FAIL:", f)
print(f"cli_subscribe: {'FAILED' if failures else 'passed'}")
sys.exit(1 if failures else 0)
