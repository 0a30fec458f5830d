#!/usr/bin/env python3
"""Offline tests of `kinesis aggregate` / `kinesis deaggregate` with the shared KPL vectors.

Runs with an empty environment (no credentials, region or endpoint). Usage:
    cli_agg_offline.py <kinesis-cli> <tests/data dir>
"""
import base64
import json
import os
import subprocess
import sys

CLI, DATA = sys.argv[1], os.path.join(sys.argv[2], "kpl-aggregation")
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + msg, file=sys.stderr)


def run(args, lines):
    text = "".join(json.dumps(l, ensure_ascii=False) + "\n" if not isinstance(l, str) else l + "\n"
                   for l in lines)
    p = subprocess.run([CLI] + args, input=text.encode(), capture_output=True, env=ENV)
    out = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    return p.returncode, out, p.stderr.decode()


def blob(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def b64(b):
    return base64.b64encode(b).decode()


manifest = json.load(open(os.path.join(DATA, "manifest.json")))
cases = {c["name"]: c for c in manifest["cases"]}


def inputs(case):
    out = []
    for i in cases[case]["inputs"]:
        r = {"PartitionKey": i["partitionKey"], "Data": i["data_b64"]}
        if "explicitHashKey" in i:
            r["ExplicitHashKey"] = i["explicitHashKey"]
        out.append(r)
    return out


# 1. Small vectors: one group, always aggregated -> the vector's bytes; default -> same (n > 1).
for case in ["shared_pk_3", "distinct_pk_ehk", "first_without_ehk", "unicode_pk", "empty_data",
             "single"]:
    args = ["aggregate"] + (["--always-aggregate"] if case == "single" else [])
    rc, out, err = run(args, inputs(case))
    check(rc == 0 and len(out) == 1, f"{case}: rc={rc} lines={len(out)} {err}")
    if out:
        check(base64.b64decode(out[0]["Data"]) == blob(case + ".0.bin"), f"{case}: bytes differ")
        check(out[0]["PartitionKey"] == "a", f"{case}: outer key {out[0]['PartitionKey']}")
        check("ExplicitHashKey" in out[0], f"{case}: no outer EHK")
# distinct_pk_ehk: outer EHK is the first record's EHK.
rc, out, _ = run(["aggregate"], inputs("distinct_pk_ehk"))
check(out and out[0]["ExplicitHashKey"] == "0", "distinct_pk_ehk: outer EHK")
# KPL default for one record: sent as itself.
rc, out, _ = run(["aggregate"], inputs("single"))
check(rc == 0 and out == [{"PartitionKey": "pk-0001", "Data": inputs("single")[0]["Data"]}],
      f"single: lone record {out}")

# 2. Too large even alone (the Node module's unicode undercount case): refused.
big = {"PartitionKey": "\u9375" * 256, "Data": b64(bytes(1048286))}
rc, out, err = run(["aggregate"], [big])
check(rc == 252 and not out and "KINESIS_E_RECORD_TOO_LARGE" in err, f"undercount: rc={rc} {err}")
# near_limit as a lone record fits (data + 3-byte key), aggregated it would not.
near = {"PartitionKey": "big", "Data": b64(bytes(1048541))}
rc, out, err = run(["aggregate"], [near])
check(rc == 0 and len(out) == 1 and out[0]["PartitionKey"] == "big", f"near_limit lone: {err}")
rc, out, err = run(["aggregate", "--always-aggregate"], [near])
check(rc == 252 and "KINESIS_E_RECORD_TOO_LARGE" in err, f"near_limit aggregated: rc={rc}")

# 3. Size limit respected, order kept, with a small limit and several shards.
recs = [{"PartitionKey": f"key-{i}-\u00e9", "Data": b64(bytes([i % 256]) * (i * 37 % 700))}
        for i in range(300)]
for limit in (1000, 4096):
    rc, out, err = run(["aggregate", "--shard-count", "3", "--max-record-bytes", str(limit)], recs)
    check(rc == 0, f"limit {limit}: rc={rc} {err}")
    for o in out:
        size = len(base64.b64decode(o["Data"])) + len(o["PartitionKey"].encode())
        check(size <= limit, f"limit {limit}: output of {size} bytes")
    rc2, back, err2 = run(["deaggregate"], out)
    check(rc2 == 0 and len(back) == len(recs), f"limit {limit}: {len(back)} back, {err2}")
    check(sorted((b["PartitionKey"], b["Data"]) for b in back) ==
          sorted((r["PartitionKey"], r["Data"]) for r in recs), f"limit {limit}: records differ")

# 4. deaggregate, KCL mode: corrupt blobs pass through whole; bad index/hash key keep the prefix
#    (none here) and warn.
for line in open(os.path.join(DATA, "kcl_model_results.jsonl")):
    m = json.loads(line)
    if m["range"] != "full":
        continue
    b = blob(m["file"])
    rec = {"Data": b64(b), "PartitionKey": "outer-pk", "SequenceNumber": "49590338271490256608559692538361571095921575989136588898"}
    rc, out, err = run(["deaggregate"], [rec])
    check(rc == 0, f"{m['file']}: rc={rc} {err}")
    if m["outcome"].startswith("PASSTHROUGH"):
        check(len(out) == 1 and out[0]["Data"] == rec["Data"] and out[0]["PartitionKey"] == "outer-pk"
              and out[0]["SubSequenceNumber"] == 0 and out[0]["SequenceNumber"] == rec["SequenceNumber"],
              f"{m['file']}: passthrough {out}")
    elif m["outcome"].startswith("LOGGED_ERROR"):
        check(len(out) == len(m["user_records"]) and "warning" in err, f"{m['file']}: {out} {err}")
    else:
        want = m["user_records"]
        n = want if isinstance(want, int) else len(want)
        check(len(out) == n, f"{m['file']}: {len(out)} records, want {n}")
        if not isinstance(want, int):
            for o, w in zip(out, want):
                check(o["PartitionKey"] == w["pk"] and o.get("ExplicitHashKey") == w["ehk"]
                      and o["SubSequenceNumber"] == w["sub"]
                      and len(base64.b64decode(o["Data"])) == w["len"], f"{m['file']}: {o} != {w}")

# 5. Hash range: dropped whole with a warning; kept when inside.
lower = "0:170141183460469231731687303715884105727"
rc, out, err = run(["deaggregate", "--hash-range", lower], [{"Data": b64(blob("distinct_pk_ehk.0.bin"))}])
check(rc == 0 and out == [] and "dropped" in err, f"range drop: {out} {err}")
rc, out, err = run(["deaggregate", "--hash-range", lower], [{"Data": b64(blob("first_without_ehk.0.bin"))}])
check(rc == 0 and len(out) == 2, f"range keep: {out} {err}")

# 6. Strict: corrupt aggregates are errors (exit 255), plain records still pass.
rc, out, err = run(["deaggregate", "--strict"], [{"Data": b64(blob("corrupt_bad_md5_payload.bin"))}])
check(rc == 255 and out == [] and "KINESIS_E_AGG_BAD_MD5" in err, f"strict md5: rc={rc} {err}")
rc, out, err = run(["deaggregate", "--strict"], [{"Data": b64(blob("corrupt_non_decimal_ehk.bin"))}])
check(rc == 255 and "KINESIS_E_AGG_BAD_HASH_KEY" in err, f"strict ehk: rc={rc} {err}")
rc, out, err = run(["deaggregate", "--strict"], [{"Data": b64(blob("corrupt_no_magic.bin")), "PartitionKey": "p"}])
check(rc == 0 and len(out) == 1, f"strict plain: rc={rc} {err}")

# 7. Usage errors.
for args, lines in [(["aggregate", "--max-record-bytes", "10"], []),
                    (["aggregate", "--max-record-bytes", "10485761"], []),
                    (["aggregate", "--shard-count", "0"], []),
                    (["aggregate", "--shard-count", "2", "--stream-name", "s"], []),
                    (["aggregate"], ["not json"]),
                    (["aggregate"], [{"PartitionKey": "k"}]),
                    (["aggregate"], [{"PartitionKey": "k", "Data": "!!"}]),
                    (["aggregate"], [{"PartitionKey": "", "Data": ""}]),
                    (["aggregate"], [{"PartitionKey": "k", "ExplicitHashKey": "-1", "Data": ""}]),
                    (["deaggregate", "--hash-range", "5:1"], []),
                    (["deaggregate", "--hash-range", "x"], []),
                    (["deaggregate"], [{"PartitionKey": "k"}]),
                    (["deaggregate", "--bogus"], [])]:
    rc, out, err = run(args, lines)
    check(rc == 252 and err, f"{args} {lines}: rc={rc}")

print(f"{'FAILED' if failures else 'OK'}: cli aggregate/deaggregate offline checks")
sys.exit(1 if failures else 0)
