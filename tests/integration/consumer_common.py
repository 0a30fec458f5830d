"""Shared helpers of the consumer integration tests (tests/integration/consumer_*.py)."""
import base64
import json
import os
import subprocess
import sys
import time

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_MODULES = os.environ.get("KINESIS_NODE_MODULES") or os.path.join(
    ROOT, ".deps", "npm", "node_modules")


def kinesis_client(endpoint):
    return boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 10, "mode": "standard"}))


def wait_active(k, stream, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            s = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
            if s["StreamStatus"] == "ACTIVE":
                return s
        except k.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.05)
    sys.exit(f"FAIL: stream {stream} not ACTIVE within {timeout}s")


def server_endpoint(var):
    """The endpoint with_servers.py exported in `var`; exits 77 (skipped) when it did not."""
    endpoint = os.environ.get(var)
    if not endpoint:
        print(f"{var} not set: run under with_servers.py")
        sys.exit(77)
    return endpoint


def new_stream(k, prefix, shards):
    """A new ACTIVE stream named after `prefix` and the time."""
    stream = f"{prefix}-{int(time.time() * 1000)}"
    k.create_stream(StreamName=stream, ShardCount=shards)
    wait_active(k, stream)
    return stream


def all_shards(k, stream):
    shards, token = [], None
    while True:
        r = k.list_shards(NextToken=token) if token else k.list_shards(StreamName=stream)
        shards += r["Shards"]
        token = r.get("NextToken")
        if not token:
            return shards


def put_plain(k, stream, records):
    """records: list of (partition key, bytes). PutRecords in batches of 500, resending only
    failed entries."""
    for i in range(0, len(records), 500):
        entries = [{"PartitionKey": pk, "Data": d} for pk, d in records[i:i + 500]]
        while entries:
            r = k.put_records(StreamName=stream, Records=entries)
            entries = [e for e, res in zip(entries, r["Records"]) if "ErrorCode" in res]


def put_lines(k, stream, lines):
    """Put Kinesis records given as {"PartitionKey","ExplicitHashKey"?,"Data" base64} dicts."""
    batch = []
    for ln in lines:
        e = {"PartitionKey": ln["PartitionKey"], "Data": base64.b64decode(ln["Data"])}
        if ln.get("ExplicitHashKey"):
            e["ExplicitHashKey"] = ln["ExplicitHashKey"]
        batch.append(e)
    for i in range(0, len(batch), 100):
        entries = batch[i:i + 100]
        while entries:
            r = k.put_records(StreamName=stream, Records=entries)
            entries = [e for e, res in zip(entries, r["Records"]) if "ErrorCode" in res]


def node_aggregate(groups):
    """Aggregate each group (a list of (pk, bytes)) with the reference Node module
    aws-kinesis-agg; returns Kinesis record dicts. None when the module is missing."""
    script = r"""
const agg = require(require('path').join(process.argv[1], 'aws-kinesis-agg'));
const groups = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
let pending = groups.length;
for (const g of groups) {
  const recs = g.map(([pk, d]) => ({partitionKey: pk, data: Buffer.from(d, 'base64')}));
  agg.aggregate(recs, (rec, cb) => {
    out.push({PartitionKey: rec.partitionKey, ExplicitHashKey: rec.explicitHashKey,
              Data: Buffer.from(rec.data).toString('base64')});
    cb();
  }, () => {}, (err) => { console.error(String(err)); process.exit(1); });
}
process.on('exit', (code) => { if (code === 0) process.stdout.write(JSON.stringify(out)); });
"""
    if not os.path.isdir(os.path.join(NODE_MODULES, "aws-kinesis-agg")):
        return None
    data = json.dumps([[[pk, base64.b64encode(d).decode()] for pk, d in g] for g in groups])
    p = subprocess.run(["node", "-e", script, NODE_MODULES], input=data, capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: node aggregator: {p.stderr}")
    return json.loads(p.stdout)


def cli_aggregate(cli, endpoint, stream, records):
    """Aggregate with `kinesis aggregate --stream-name` (one aggregate per predicted shard)."""
    lines = "".join(json.dumps({"PartitionKey": pk, "Data": base64.b64encode(d).decode()}) + "\n"
                    for pk, d in records)
    p = subprocess.run([cli, "--endpoint-url", endpoint, "aggregate", "--stream-name", stream],
                       input=lines, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: kinesis aggregate: {p.stderr}")
    return [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]


def cli_produce(cli, endpoint, stream, records):
    """Put through `kinesis produce` (the C producer: shard-predicted aggregation). Returns False
    when the command does not exist in this build."""
    lines = "".join(json.dumps({"PartitionKey": pk, "Data": base64.b64encode(d).decode()}) + "\n"
                    for pk, d in records)
    p = subprocess.run([cli, "--endpoint-url", endpoint, "produce", "--stream-name", stream,
                        "--format", "json", "--no-progress"], input=lines, capture_output=True,
                       text=True, timeout=300)
    if p.returncode == 252 and "unknown command" in p.stderr:
        return False
    if p.returncode != 0:
        sys.exit(f"FAIL: kinesis produce: rc {p.returncode} {p.stderr[-2000:]}")
    return True


def parse_output(text):
    out = []
    for ln in text.splitlines():
        if ln.strip():
            out.append(json.loads(ln))
    return out


def check_lineage(records, shards, failures):
    """Every record of a parent shard comes before every record of its children."""
    first, last = {}, {}
    for i, r in enumerate(records):
        first.setdefault(r["ShardId"], i)
        last[r["ShardId"]] = i
    for s in shards:
        for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")):
            if p and p in last and s["ShardId"] in first and last[p] > first[s["ShardId"]]:
                failures.append(f"parent {p} record at {last[p]} after child {s['ShardId']} "
                                f"record at {first[s['ShardId']]}")


def check_key_order(records, failures):
    """Data is b"<key>:<n>": per key, n must increase in delivery order."""
    seen = {}
    for r in records:
        key, n = base64.b64decode(r["Data"]).decode().rsplit(":", 1)
        n = int(n)
        if key in seen and n <= seen[key]:
            failures.append(f"key {key}: {n} delivered after {seen[key]}")
        seen[key] = n
