#!/usr/bin/env python3
"""kinesis consume start positions on kinesalite: --from trim-horizon (everything), --from
at-timestamp T (epoch seconds, and the ISO form) returns only records that arrived at or after T,
--from latest returns nothing already in the stream but what is put after it started.
Run under tests/harness/with_servers.py --servers kinesalite."""
import base64
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_common as cc  # noqa: E402

CLI = sys.argv[1]
ENDPOINT = cc.server_endpoint("KINESIS_TEST_KINESALITE_ENDPOINT")
k = cc.kinesis_client(ENDPOINT)
stream = cc.new_stream(k, "cons-start", 2)
cc.put_plain(k, stream, [(f"k{i}", f"old{i}".encode()) for i in range(20)])
time.sleep(1.5)
t = time.time()
time.sleep(0.5)
cc.put_plain(k, stream, [(f"k{i}", f"new{i}".encode()) for i in range(10)])


def consume(*args):
    p = subprocess.run([CLI, "--endpoint-url", ENDPOINT, "consume", "--stream-name", stream,
                        "--idle-exit-ms", "1500", "--idle-interval-ms", "100", *args],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: consume {args}: rc {p.returncode} {p.stderr[-1000:]}")
    return sorted(base64.b64decode(r["Data"]).decode() for r in cc.parse_output(p.stdout))


failures = []
new = sorted(f"new{i}" for i in range(10))
everything = sorted([f"old{i}" for i in range(20)] + new)
if consume() != everything:
    failures.append("trim-horizon did not return every record once")
if consume("--from", "at-timestamp", f"{t:.3f}") != new:
    failures.append("at-timestamp (epoch seconds) did not return exactly the newer records")
iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t - 3600))
if consume("--from", "at-timestamp", iso) != everything:
    failures.append("at-timestamp (ISO, an hour ago) did not return every record")
p = subprocess.Popen([CLI, "--endpoint-url", ENDPOINT, "consume", "--stream-name", stream,
                      "--from", "latest", "--idle-exit-ms", "2500", "--idle-interval-ms", "100",
                      "--format", "text"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
# LATEST iterators are taken at start: keep putting for a while so some records surely come
# after them, however slowly the process starts (no timing assumption beyond the total)
for n in range(8):
    cc.put_plain(k, stream, [("k1", f"after-latest-{n}".encode())])
    time.sleep(0.5)
out, err = p.communicate(timeout=120)
got = out.split()
if (p.returncode != 0 or not got or any(not g.startswith("after-latest-") for g in got)
        or got != sorted(got, key=lambda g: int(g.rsplit("-", 1)[1]))
        or got[-1] != "after-latest-7"):
    failures.append(f"latest: rc {p.returncode}, got {out.split()!r} {err[-500:]}")
bad = subprocess.run([CLI, "--endpoint-url", ENDPOINT, "consume", "--stream-name", stream,
                      "--from", "at-timestamp", "yesterday"], capture_output=True, text=True)
if bad.returncode != 252:
    failures.append(f"a bad timestamp exits {bad.returncode}, expected 252")
if failures:
    for f in failures:
        print("FAIL:", f)
    sys.exit(1)
print("OK")
