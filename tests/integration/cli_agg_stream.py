#!/usr/bin/env python3
"""`kinesis aggregate --stream-name` against local Kinesis servers (run under
tests/harness/with_servers.py): the grouping follows the stream's shard map, every aggregate
lands on the shard its outer explicit hash key predicts, and `kinesis deaggregate --hash-range`
on what GetRecords returns gives back every user record of that shard, in order.
Usage: cli_agg_stream.py <kinesis-cli>. Exit 77 when no server was exported."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import time

CLI = os.path.abspath(sys.argv[1])
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, file=sys.stderr)
    return cond


def run(args, env, stdin=None):
    p = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=env, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def effective(pk, ehk):
    if ehk is not None:
        return int(ehk)
    return int.from_bytes(hashlib.md5(pk.encode()).digest(), "big")


def server_test(name, endpoint, extra_env):
    env = dict(os.environ)
    env.update(extra_env)
    base = ["--endpoint-url", endpoint, "--region", "us-east-1"]

    def cli(args, stdin=None):
        rc, out, err = run(base + args, env, stdin)
        if not check(rc == 0, f"{name}: {args[:2]}: rc {rc}: {err.strip()}"):
            return None
        return out

    stream = f"agg-{os.getpid()}-{name}"
    if cli(["create-stream", "--stream-name", stream, "--shard-count", "3"]) is None:
        return
    deadline = time.time() + 60
    while time.time() < deadline:
        out = cli(["describe-stream-summary", "--stream-name", stream])
        if out is None or json.loads(out)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.2)
    shards = json.loads(cli(["list-shards", "--stream-name", stream]))["Shards"]
    ranges = [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]),
               s["ShardId"]) for s in shards]

    def shard_of(key):
        for lo, hi, sid in ranges:
            if lo <= key <= hi:
                return sid
        return None

    recs = []
    for i in range(200):
        ehk = str((i * 0x9E3779B97F4A7C15 * 2**64) % 2**128) if i % 7 == 0 else None
        r = {"PartitionKey": f"user-\u00e9-{i}", "Data": base64.b64encode(bytes([i % 256]) * (i % 90)).decode()}
        if ehk:
            r["ExplicitHashKey"] = ehk
        recs.append(r)
    stdin = "".join(json.dumps(r) + "\n" for r in recs).encode()
    out = cli(["aggregate", "--stream-name", stream, "--max-record-bytes", "3000"], stdin)
    if out is None:
        return
    lines = [json.loads(l) for l in out.splitlines() if l]
    expected = {sid: [] for _, _, sid in ranges}
    for r in recs:
        expected[shard_of(effective(r["PartitionKey"], r.get("ExplicitHashKey")))].append(r)
    for line in lines:
        args = ["put-record", "--stream-name", stream, "--partition-key", line["PartitionKey"],
                "--data-base64", line["Data"]]
        if "ExplicitHashKey" in line:
            args += ["--explicit-hash-key", line["ExplicitHashKey"]]
        res = cli(args)
        if res is None:
            return
        want = shard_of(effective(line["PartitionKey"], line.get("ExplicitHashKey")))
        check(json.loads(res)["ShardId"] == want, f"{name}: aggregate went to {json.loads(res)['ShardId']}, predicted {want}")
    for lo, hi, sid in ranges:
        it = json.loads(cli(["get-shard-iterator", "--stream-name", stream, "--shard-id", sid,
                             "--shard-iterator-type", "TRIM_HORIZON"]))["ShardIterator"]
        got = []
        for _ in range(20):
            page = json.loads(cli(["get-records", "--shard-iterator", it]))
            got += page["Records"]
            it = page.get("NextShardIterator")
            if not page["Records"] or not it:
                break
        stdin = "".join(json.dumps({"Data": r["Data"], "PartitionKey": r["PartitionKey"],
                                    "SequenceNumber": r["SequenceNumber"]}) + "\n" for r in got)
        out = cli(["deaggregate", "--hash-range", f"{lo}:{hi}"], stdin.encode())
        if out is None:
            return
        users = [json.loads(l) for l in out.splitlines() if l]
        want = expected[sid]
        check(len(users) == len(want), f"{name}: {sid}: {len(users)} user records, want {len(want)}")
        for u, w in zip(users, want):
            check(u["PartitionKey"] == w["PartitionKey"] and u["Data"] == w["Data"]
                  and u.get("ExplicitHashKey") == (str(int(w["ExplicitHashKey"])) if "ExplicitHashKey" in w else None),
                  f"{name}: {sid}: {u} != {w}")
    print(f"{name}: {len(recs)} records -> {len(lines)} Kinesis records over {len(ranges)} shards")


servers = []
for name, var in (("moto", "MOTO"), ("kinesalite", "KINESALITE"), ("kinesis-local", "KINESIS_LOCAL")):
    ep = os.environ.get(f"KINESIS_TEST_{var}_ENDPOINT")
    if not ep:
        continue
    env = {}
    if var == "MOTO" and os.environ.get("KINESIS_TEST_MOTO_ACCESS_KEY_ID"):
        env["AWS_ACCESS_KEY_ID"] = os.environ["KINESIS_TEST_MOTO_ACCESS_KEY_ID"]
        env["AWS_SECRET_ACCESS_KEY"] = os.environ["KINESIS_TEST_MOTO_SECRET_ACCESS_KEY"]
    servers.append((name, ep, env))
if not servers:
    print("no servers exported (run under tests/harness/with_servers.py)")
    sys.exit(77)
for s in servers:
    server_test(*s)
print(f"{len(failures)} failure(s)" if failures else "ok")
sys.exit(1 if failures else 0)
