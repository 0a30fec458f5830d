#!/usr/bin/env python3
"""kinesis consume --efo on kinesis-local: registers the stream consumer (or reuses it), reads
every shard with SubscribeToShard over h2c, follows a split (parent before children), and a second
run with the same consumer name reuses the registration and resumes from the checkpoint file.
Run under tests/harness/with_servers.py --servers kinesis-local."""
import base64
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_common as cc  # noqa: E402

CLI = sys.argv[1]
ENDPOINT = cc.server_endpoint("KINESIS_TEST_KINESIS_LOCAL_ENDPOINT")

k = cc.kinesis_client(ENDPOINT)
stream = cc.new_stream(k, "cons-efo", 1)
expected = set()


def records(prefix, n):
    out = []
    for i in range(n):
        d = f"{prefix}{i % 10}:{i}"
        expected.add(d)
        out.append((f"{prefix}{i % 10}", d.encode()))
    return out


cp_file = os.path.join(tempfile.mkdtemp(prefix="cons-efo-"), "cp.json")
cmd = [CLI, "--endpoint-url", ENDPOINT, "consume", "--stream-name", stream, "--efo", "efo-test",
       "--checkpoint", cp_file, "--shard-sync-ms", "500", "--idle-exit-ms", "4000"]
cc.put_plain(k, stream, records("a", 200))
consumer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(2.0)
s0 = cc.all_shards(k, stream)[0]
lo, hi = int(s0["HashKeyRange"]["StartingHashKey"]), int(s0["HashKeyRange"]["EndingHashKey"])
k.split_shard(StreamName=stream, ShardToSplit=s0["ShardId"], NewStartingHashKey=str((lo + hi) // 2))
cc.wait_active(k, stream)
cc.put_plain(k, stream, records("b", 200))
try:
    out, err = consumer.communicate(timeout=120)
except subprocess.TimeoutExpired:
    consumer.kill()
    out, err = consumer.communicate()
    sys.exit(f"FAIL: kinesis consume --efo did not exit on idle: {err[-2000:]}")
if consumer.returncode != 0:
    sys.exit(f"FAIL: kinesis consume --efo exited {consumer.returncode}: {err[-2000:]}")
recs = cc.parse_output(out)
failures = []
got = [base64.b64decode(r["Data"]).decode() for r in recs]
if len(got) != len(set(got)):
    failures.append(f"{len(got) - len(set(got))} duplicates")
if expected - set(got):
    failures.append(f"{len(expected - set(got))} missing, e.g. {sorted(expected - set(got))[:5]}")
shards = cc.all_shards(k, stream)
cc.check_lineage(recs, shards, failures)
cc.check_key_order(recs, failures)
if len({r["ShardId"] for r in recs}) < 2:
    failures.append("records came from one shard only: the children were not read")
arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
names = [c["ConsumerName"] for c in k.list_stream_consumers(StreamARN=arn)["Consumers"]]
if names != ["efo-test"]:
    failures.append(f"stream consumers: {names}")
print(f"first run: {len(recs)} records from {sorted({r['ShardId'] for r in recs})}")

# second run: same consumer name (reused), resumes from the checkpoints: only new records
cc.put_plain(k, stream, records("c", 50))
p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
if p.returncode != 0:
    failures.append(f"second run exited {p.returncode}: {p.stderr[-2000:]}")
again = [base64.b64decode(r["Data"]).decode() for r in cc.parse_output(p.stdout)]
want = {d for d in expected if d.startswith("c")}
if sorted(again) != sorted(want):
    failures.append(f"second run delivered {len(again)} records, expected the {len(want)} new ones")
print(f"second run: {len(again)} records")
if failures:
    for f in failures[:20]:
        print("FAIL:", f)
    sys.exit(1)
print("OK")
