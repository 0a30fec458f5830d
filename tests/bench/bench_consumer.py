#!/usr/bin/env python3
"""Consumer benchmark driver (not a test), run by bench_consumer.sh under with_servers.py with
kinesalite. Writes N user records twice — plain, and KPL-aggregated by `kinesis aggregate` — to
two 2-shard streams, then reads each back in the same run with a boto3 get_records loop (the
aggregated one deaggregated in Python doing what the KCL and the libkinesis consumer do per
user record: see deaggregate()) and with bench_consumer (libkinesis). Prints BENCH lines: user
records/s and client CPU seconds per million user records for both, and the ratio. For the
aggregated stream it also prints the floor (bench_consumer --floor: base64-decoding the same
aggregates, checking their MD5s and deaggregating them as the KCL does, the least any KCL-exact
reader does per user record) and the ratio boto3 would have over a reader that cost no more than
that floor; and what receiving the same GetRecords responses through libcurl costs alone
(bench_consumer --receive: the kernel's socket copy and libcurl, the bytes left where libcurl
puts them) and the ratio over receive plus floor, the most any KCL-exact reader over libcurl can
have.
Each reader reads each stream 1 + BENCH_STEADY_PASSES (default 3) times (boto3 with one client,
ours with one client and a new consumer per pass): the first pass is printed apart (`_cold`), the
median of the others is the steady state and the headline figure, as in bench_producer.sh.
Usage: bench_consumer.py BENCH_CONSUMER_BIN KINESIS_CLI"""
import base64
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from hashlib import md5

import boto3
from botocore.config import Config

BIN, CLI = sys.argv[1], sys.argv[2]
ENDPOINT = os.environ["KINESIS_TEST_KINESALITE_ENDPOINT"]
N = int(os.environ.get("BENCH_RECORDS", "100000"))
N_AGG = int(os.environ.get("BENCH_AGG_RECORDS", str(N)))
SIZE = int(os.environ.get("BENCH_RECORD_BYTES", "100"))
STEADY = int(os.environ.get("BENCH_STEADY_PASSES", "3"))
if not 1 <= STEADY <= 15:  # as bench_consumer.c reads it
    STEADY = 3
k = boto3.client("kinesis", endpoint_url=ENDPOINT, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 config=Config(retries={"max_attempts": 10, "mode": "standard"}))


def create(name):
    k.create_stream(StreamName=name, ShardCount=2)
    while k.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
            "StreamStatus"] != "ACTIVE":
        time.sleep(0.05)


def user_records(n):
    pad = b"x" * max(0, SIZE - 12)
    return [(f"key-{i % 1000}", b"%010d:" % i + pad) for i in range(n)]


def put(name, entries):
    for i in range(0, len(entries), 500):
        batch = entries[i:i + 500]
        while batch:
            r = k.put_records(StreamName=name, Records=batch)
            batch = [e for e, res in zip(batch, r["Records"]) if "ErrorCode" in res]


MAGIC = b"\xf3\x89\x9a\xc2"


def varint(b, i):
    """Protobuf varint at b[i]: (value, next index)."""
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def skip(b, i, wt):
    """Index after a field of wire type wt whose value starts at b[i]."""
    if wt == 0:
        return varint(b, i)[1]
    if wt == 2:
        n, i = varint(b, i)
        return i + n
    if wt == 1:
        return i + 8
    if wt == 5:
        return i + 4
    raise ValueError("unsupported wire type %d" % wt)


def deaggregate(data, pk, seq, lo, hi):
    """The user records (partition key, data, sequence number, sub-sequence number) of one
    Kinesis record, as the KCL (and the libkinesis consumer) makes them:
      - an aggregate is data with the KPL magic, more than 16 bytes after it and a matching MD5
        of the protobuf (else the record itself is the one user record);
      - the AggregatedRecord protobuf is parsed (key tables, then each member's partition key
        index, optional explicit hash key index and data);
      - each member's hash key is its explicit hash key, or the MD5 of its partition key read as a
        big-endian 128-bit number, and the whole aggregate is dropped (no records) when one of
        them lies outside the shard's hash range [lo, hi] (from list_shards), as the KCL does.
    Written for speed in pure Python (no protobuf package): one-byte varints inline, the MD5 and
    the UTF-8 decoding of each distinct partition key once per aggregate (as the libkinesis
    consumer hashes each key-table entry once), records built as tuples."""
    n = len(data)
    if n <= 20 or data[:4] != MAGIC:
        return [(pk, data, seq, 0)]
    mv = memoryview(data)
    body = mv[4:n - 16]
    if md5(body).digest() != data[n - 16:]:
        return [(pk, data, seq, 0)]
    keys, ehks, members = [], [], []
    i, end = 4, n - 16
    while i < end:
        tag = data[i]
        ln = data[i + 1]
        i += 2
        if ln >= 0x80:
            ln, i = varint(data, i - 1)
        if tag == 0x1A:  # a Record: partition_key_index, explicit_hash_key_index, data
            j, rend, pki, ehki, d = i, i + ln, 0, None, b""
            while j < rend:
                t = data[j]
                j += 1
                if t == 0x1A:
                    dl = data[j]
                    j += 1
                    if dl >= 0x80:
                        dl, j = varint(data, j - 1)
                    d = data[j:j + dl]
                    j += dl
                elif t == 0x08:
                    pki = data[j]
                    j += 1
                    if pki >= 0x80:
                        pki, j = varint(data, j - 1)
                elif t == 0x10:
                    ehki, j = varint(data, j)
                else:
                    j = skip(data, j, t & 7)
            members.append((pki, ehki, d))
        elif tag == 0x0A:
            keys.append(data[i:i + ln])
        elif tag == 0x12:
            ehks.append(int(data[i:i + ln]))
        i += ln
    hashes = [int.from_bytes(md5(k).digest(), "big") for k in keys]
    names = [k.decode() for k in keys]
    out = []
    add = out.append
    sub = 0
    for pki, ehki, d in members:
        h = hashes[pki] if ehki is None else ehks[ehki]
        if h < lo or h > hi:
            return []  # a member outside the shard: the KCL drops the whole aggregate
        add((names[pki], d, seq, sub))
        sub += 1
    return out


def boto3_read(name, expected, deagg, limit):
    shards = k.list_shards(StreamName=name)["Shards"]
    ranges = {s["ShardId"]: (int(s["HashKeyRange"]["StartingHashKey"]),
                             int(s["HashKeyRange"]["EndingHashKey"])) for s in shards}
    its = {s: k.get_shard_iterator(StreamName=name, ShardId=s,
                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
           for s in ranges}
    n = 0
    cpu0, t0 = time.process_time(), time.monotonic()
    while n < expected:
        for s, (lo, hi) in ranges.items():
            r = k.get_records(ShardIterator=its[s], Limit=limit)
            its[s] = r["NextShardIterator"]
            for rec in r["Records"]:
                if deagg:
                    n += len(deaggregate(rec["Data"], rec["PartitionKey"],
                                         rec["SequenceNumber"], lo, hi))
                else:
                    n += 1
    return n, time.process_time() - cpu0, time.monotonic() - t0


def ours(name, label, limit, count):
    p = subprocess.run([BIN, ENDPOINT, name, str(count), label, str(limit)], capture_output=True,
                       text=True, timeout=1200)
    if p.returncode != 0:
        sys.exit(f"bench_consumer failed: {p.stderr}")
    vals = {}
    for ln in p.stdout.splitlines():
        print(ln)
        parts = ln.split()
        if not parts[1].endswith("_passes"):
            vals[parts[1]] = float(parts[2])
    return vals


recs = user_records(N)
plain, agg = f"bench-plain-{os.getpid()}", f"bench-agg-{os.getpid()}"
create(plain)
create(agg)
t = time.monotonic()
put(plain, [{"PartitionKey": pk, "Data": d} for pk, d in recs])
lines = subprocess.run([CLI, "--endpoint-url", ENDPOINT, "aggregate", "--stream-name", agg],
                       input="".join(json.dumps({"PartitionKey": pk,
                                                 "Data": base64.b64encode(d).decode()}) + "\n"
                                     for pk, d in user_records(N_AGG)),
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
print(f"# wrote {N} user records of {SIZE} bytes to {plain} and {N_AGG}, as "
      f"{len(agg_entries)} aggregates, to {agg} in {time.monotonic() - t:.1f}s", file=sys.stderr)

# GetRecords Limit: 10000 (the maximum) for plain records; 10 for ~1 MiB aggregates, which is
# what Kinesis's 10 MiB per-call cap allows (kinesalite has no such cap and would answer one
# call with a whole stream of aggregates, far beyond what the consumer accepts). Both readers
# use the same limits.
for label, name, deagg, limit, count in (("plain", plain, False, 10000, N),
                                         ("aggregated", agg, True, 10, N_AGG)):
    passes = [boto3_read(name, count, deagg, limit) for _ in range(1 + STEADY)]
    n, cold_cpu, cold_wall = passes[0]
    b_cpu = statistics.median(cpu * 1e6 / n for n, cpu, _ in passes[1:])
    b_wall = statistics.median(wall for _, _, wall in passes[1:])
    print(f"BENCH boto3_{label}_cold_user_records_per_s {n / cold_wall:.0f} records/s")
    print(f"BENCH boto3_{label}_cold_cpu_s_per_million {cold_cpu * 1e6 / n:.3f} s")
    print(f"BENCH boto3_{label}_user_records_per_s {n / b_wall:.0f} records/s")
    print(f"BENCH boto3_{label}_cpu_s_per_million {b_cpu:.3f} s")
    print(f"BENCH boto3_{label}_cpu_s_per_million_passes "
          f"{','.join('%.3f' % (cpu * 1e6 / n) for n, cpu, _ in passes[1:])} s")
    v = ours(name, label, limit, count)
    o_cpu = v[f"consumer_{label}_cpu_s_per_million"]
    print(f"BENCH {label}_cpu_ratio_boto3_over_consumer {b_cpu / o_cpu:.1f} x")
    if deagg:
        with tempfile.NamedTemporaryFile(suffix=".aggregates") as f:
            f.write(b"".join(struct.pack("<I", len(e["Data"])) + e["Data"]
                             for e in agg_entries))
            f.flush()
            p = subprocess.run([BIN, "--floor", f.name, str(N_AGG)], capture_output=True,
                               text=True, timeout=600)
        if p.returncode != 0:
            sys.exit(f"bench_consumer --floor failed: {p.stderr}")
        print(p.stdout.strip())
        floor = float(p.stdout.split()[2])
        print(f"BENCH {label}_cpu_ratio_boto3_over_floor {b_cpu / floor:.1f} x "
              "(no KCL-exact reader can exceed this ratio)")
        p = subprocess.run([BIN, "--receive", ENDPOINT, name, str(count), str(limit)],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            sys.exit(f"bench_consumer --receive failed: {p.stderr}")
        print(p.stdout.strip())
        receive = next(float(ln.split()[2]) for ln in p.stdout.splitlines()
                       if ln.split()[1] == "consumer_receive_cpu_s_per_million")
        print(f"BENCH {label}_cpu_ratio_boto3_over_receive_plus_floor "
              f"{b_cpu / (receive + floor):.1f} x (no KCL-exact reader over libcurl can exceed this "
              "ratio)")
