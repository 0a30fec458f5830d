#!/usr/bin/env python3
"""Consumer benchmark driver (not a test), run by bench_consumer.sh under with_servers.py with
kinesalite. Writes N user records twice — plain, and KPL-aggregated by `kinesis aggregate` — to
two 2-shard streams, then reads each back in the same run with a boto3 get_records loop (the
aggregated one deaggregated in Python with a minimal KPL decoder, MD5 checked, as a Python
consumer must) and with bench_consumer (libkinesis). Prints BENCH lines: user records/s and
client CPU seconds per million user records for both, and the ratio.
Usage: bench_consumer.py BENCH_CONSUMER_BIN KINESIS_CLI"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import time

import boto3
from botocore.config import Config

BIN, CLI = sys.argv[1], sys.argv[2]
ENDPOINT = os.environ["KINESIS_TEST_KINESALITE_ENDPOINT"]
N = int(os.environ.get("BENCH_RECORDS", "100000"))
SIZE = int(os.environ.get("BENCH_RECORD_BYTES", "100"))
k = boto3.client("kinesis", endpoint_url=ENDPOINT, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(retries={"max_attempts": 10, "mode": "standard"}))


def create(name):
    k.create_stream(StreamName=name, ShardCount=2)
    while k.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
            "StreamStatus"] != "ACTIVE":
        time.sleep(0.05)


def user_records():
    pad = b"x" * max(0, SIZE - 12)
    return [(f"key-{i % 1000}", b"%010d:" % i + pad) for i in range(N)]


def put(name, entries):
    for i in range(0, len(entries), 500):
        batch = entries[i:i + 500]
        while batch:
            r = k.put_records(StreamName=name, Records=batch)
            batch = [e for e, res in zip(batch, r["Records"]) if "ErrorCode" in res]


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        wt = key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        else:
            raise ValueError("unsupported wire type")
        yield key >> 3, v


MAGIC = b"\xf3\x89\x9a\xc2"


def deaggregate(data, pk):
    """User records (pk, data) of a Kinesis record, as a Python KCL-style consumer needs."""
    if not data.startswith(MAGIC) or len(data) < 21:
        return [(pk, data)]
    body, digest = data[4:-16], data[-16:]
    if hashlib.md5(body).digest() != digest:
        return [(pk, data)]
    keys, out = [], []
    for f, v in fields(body):
        if f == 1:
            keys.append(v.decode())
        elif f == 3:
            idx, d = 0, b""
            for g, w in fields(v):
                if g == 1:
                    idx = w
                elif g == 3:
                    d = w
            out.append((keys[idx], d))
    return out


def boto3_read(name, expected, deagg):
    shards = [s["ShardId"] for s in k.list_shards(StreamName=name)["Shards"]]
    its = {s: k.get_shard_iterator(StreamName=name, ShardId=s,
                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
           for s in shards}
    n = 0
    cpu0, t0 = time.process_time(), time.monotonic()
    while n < expected:
        for s in shards:
            r = k.get_records(ShardIterator=its[s], Limit=10000)
            its[s] = r["NextShardIterator"]
            for rec in r["Records"]:
                if deagg:
                    n += len(deaggregate(rec["Data"], rec["PartitionKey"]))
                else:
                    n += 1
    return n, time.process_time() - cpu0, time.monotonic() - t0


def ours(name, label):
    p = subprocess.run([BIN, ENDPOINT, name, str(N), label], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        sys.exit(f"bench_consumer failed: {p.stderr}")
    vals = {}
    for ln in p.stdout.splitlines():
        print(ln)
        parts = ln.split()
        vals[parts[1]] = float(parts[2])
    return vals


recs = user_records()
plain, agg = f"bench-plain-{os.getpid()}", f"bench-agg-{os.getpid()}"
create(plain)
create(agg)
t = time.monotonic()
put(plain, [{"PartitionKey": pk, "Data": d} for pk, d in recs])
lines = subprocess.run([CLI, "--endpoint-url", ENDPOINT, "aggregate", "--stream-name", agg],
                       input="".join(json.dumps({"PartitionKey": pk,
                                                 "Data": base64.b64encode(d).decode()}) + "\n"
                                     for pk, d in recs),
                       capture_output=True, text=True, check=True).stdout.splitlines()
agg_entries = []
for ln in lines:
    o = json.loads(ln)
    e = {"PartitionKey": o["PartitionKey"], "Data": base64.b64decode(o["Data"])}
    if o.get("ExplicitHashKey"):
        e["ExplicitHashKey"] = o["ExplicitHashKey"]
    agg_entries.append(e)
for i in range(0, len(agg_entries), 4):  # stay under the 5 MiB PutRecords cap
    put(agg, agg_entries[i:i + 4])
print(f"# wrote {N} user records of {SIZE} bytes to {plain} and, as {len(agg_entries)} "
      f"aggregates, to {agg} in {time.monotonic() - t:.1f}s", file=sys.stderr)

for label, name, deagg in (("plain", plain, False), ("aggregated", agg, True)):
    n, cpu, wall = boto3_read(name, N, deagg)
    b_cpu = cpu * 1e6 / n
    print(f"BENCH boto3_{label}_user_records_per_s {n / wall:.0f} records/s")
    print(f"BENCH boto3_{label}_cpu_s_per_million {b_cpu:.3f} s")
    v = ours(name, label)
    o_cpu = v[f"consumer_{label}_cpu_s_per_million"]
    print(f"BENCH {label}_cpu_ratio_boto3_over_consumer {b_cpu / o_cpu:.1f} x")
