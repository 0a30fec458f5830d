#!/usr/bin/env python3
"""kinesis consume --checkpoint killed with SIGKILL at random points, restarted each time.

A 2-shard stream on kinesalite gets plain and aggregated records (`kinesis aggregate`), a split,
and more records on the children. `kinesis consume --checkpoint FILE` reads slowly (100 records
per call) and is SIGKILLed at random moments 5 times; after each kill the checkpoint file is
read. Checks: the union of all runs' outputs holds every user record (nothing lost); a later run
never delivers a record at or before the checkpoint written before it started (duplicates only
from the window after the last checkpoint) and nothing of a shard checkpointed as ended; the last
run exits by itself once idle. Then a graceful stop: SIGTERM flushes checkpoints equal to the
last records printed, and a restart delivers only the rest. Run under tests/harness/with_servers.py --servers kinesalite."""
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_common as cc  # noqa: E402

CLI = sys.argv[1]
ENDPOINT = cc.server_endpoint("KINESIS_TEST_KINESALITE_ENDPOINT")
KILLS = 5
rng = random.Random(int(os.environ.get("CONSUMER_KILL_SEED", time.time())))

k = cc.kinesis_client(ENDPOINT)
stream = cc.new_stream(k, "cons-kill", 2)
expected = set()


def records(prefix, nkeys, per_key):
    out = []
    for n in range(per_key):
        for i in range(nkeys):
            d = f"{prefix}{i}:{n}"
            expected.add(d)
            out.append((f"{prefix}{i}", d.encode()))
    return out


cc.put_plain(k, stream, records("p", 50, 40))
cc.put_lines(k, stream, cc.cli_aggregate(CLI, ENDPOINT, stream, records("a", 30, 30)))
s0 = cc.all_shards(k, stream)[0]
lo, hi = int(s0["HashKeyRange"]["StartingHashKey"]), int(s0["HashKeyRange"]["EndingHashKey"])
k.split_shard(StreamName=stream, ShardToSplit=s0["ShardId"], NewStartingHashKey=str((lo + hi) // 2))
cc.wait_active(k, stream)
cc.put_plain(k, stream, records("q", 50, 30))
cc.put_lines(k, stream, cc.cli_aggregate(CLI, ENDPOINT, stream, records("b", 30, 20)))

tmp = tempfile.mkdtemp(prefix="cons-kill-")
cp_file = os.path.join(tmp, "checkpoints.json")
cmd = [CLI, "--endpoint-url", ENDPOINT, "consume", "--stream-name", stream, "--checkpoint",
       cp_file, "--checkpoint-every", "150", "--checkpoint-interval-ms", "300",
       "--records-per-call", "100", "--idle-interval-ms", "100", "--shard-sync-ms", "500",
       "--idle-exit-ms", "2000"]


def read_checkpoints():
    if not os.path.exists(cp_file):
        return {}
    with open(cp_file) as f:
        doc = json.load(f)
    return {sid: (int(v["SequenceNumber"] or 0), v["SubSequenceNumber"], v["ShardEnded"])
            for sid, v in doc["Shards"].items()}


def parse(path):
    out = []
    with open(path) as f:
        for ln in f:
            if ln.endswith("\n"):  # a SIGKILL may cut the last line
                out.append(json.loads(ln))
    return out


failures = []
runs = []
for run in range(KILLS + 1):
    before = read_checkpoints()
    out_path = os.path.join(tmp, f"run{run}.jsonl")
    with open(out_path, "w") as out_f:
        p = subprocess.Popen(cmd, stdout=out_f, stderr=subprocess.PIPE, text=True)
        if run < KILLS:
            time.sleep(rng.uniform(0.2, 1.5))
            p.kill()  # SIGKILL
            p.wait()
        else:
            try:
                _, err = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                sys.exit("FAIL: the last run did not exit on idle")
            if p.returncode != 0:
                sys.exit(f"FAIL: last run exited {p.returncode}: {err[-2000:]}")
    recs = parse(out_path)
    runs.append(recs)
    for r in recs:
        cp = before.get(r["ShardId"])
        if cp is None:
            continue
        seq, sub, ended = cp
        if ended:
            failures.append(f"run {run}: {r['ShardId']} was checkpointed as ended, yet "
                            f"{r['SequenceNumber']}/{r['SubSequenceNumber']} came again")
        elif (int(r["SequenceNumber"]), r["SubSequenceNumber"]) <= (seq, sub):
            failures.append(f"run {run}: {r['ShardId']} {r['SequenceNumber']}/"
                            f"{r['SubSequenceNumber']} is at or before the checkpoint {seq}/{sub}")
    print(f"run {run}: {len(recs)} records; checkpoints before it: "
          f"{ {s: ('ended' if v[2] else v[1]) for s, v in before.items()} }")

union = set()
for recs in runs:
    union.update(base64.b64decode(r["Data"]).decode() for r in recs)
missing = expected - union
if missing:
    failures.append(f"{len(missing)} records never delivered, e.g. {sorted(missing)[:5]}")
if union - expected:
    failures.append(f"unexpected records: {sorted(union - expected)[:5]}")
total = sum(len(r) for r in runs)
print(f"{len(expected)} records, {total} deliveries over {len(runs)} runs "
      f"({total - len(expected)} repeats from after the last checkpoints)")
# Graceful stop: SIGTERM (as SIGINT) ends the run after the record in progress and flushes the
# checkpoints: the checkpoint of every shard is exactly the last record printed for it, so a
# restart delivers only what is new.
cc.put_plain(k, stream, records("g", 20, 50))
out_path = os.path.join(tmp, "graceful.jsonl")
with open(out_path, "w") as out_f:
    p = subprocess.Popen(cmd[:-2] + ["--checkpoint-every", "100000", "--checkpoint-interval-ms",
                                     "600000"], stdout=out_f, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    p.send_signal(15)
    _, err = p.communicate(timeout=60)
if p.returncode != 143:
    failures.append(f"SIGTERM: exit {p.returncode}, expected 143: {err[-500:]}")
graceful = parse(out_path)
after = read_checkpoints()
last = {}
for r in graceful:
    last[r["ShardId"]] = (int(r["SequenceNumber"]), r["SubSequenceNumber"])
for sid, pos in last.items():
    if after.get(sid, (0, 0, 0))[:2] != pos:
        failures.append(f"SIGTERM: checkpoint of {sid} is {after.get(sid)}, last printed {pos}")
rest = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
rest_data = [base64.b64decode(r["Data"]).decode() for r in cc.parse_output(rest.stdout)]
g_all = {d for d in expected if d.startswith("g")}
g_seen = [base64.b64decode(r["Data"]).decode() for r in graceful] + rest_data
if sorted(g_seen) != sorted(g_all):
    failures.append(f"SIGTERM + restart: {len(g_seen)} deliveries of {len(g_all)} records "
                    f"({len(g_seen) - len(set(g_seen))} repeated)")
print(f"graceful stop: {len(graceful)} records before SIGTERM, {len(rest_data)} after restart")

final = read_checkpoints()
ended = [s for s, v in final.items() if v[2]]
if s0["ShardId"] not in ended:
    failures.append(f"the split parent {s0['ShardId']} is not checkpointed as ended: {final}")
if failures:
    for f in failures[:20]:
        print("FAIL:", f)
    sys.exit(1)
print("OK")
