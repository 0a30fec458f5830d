#!/usr/bin/env python3
"""kinesis consume while the server dies and comes back.

Starts its own kinesalite with a LevelDB directory (so the data survives), puts records on 2
shards, starts `kinesis consume` reading slowly, SIGKILLs kinesalite mid-read, starts a new one on
the same port and directory 2 s later, puts more records, and checks that the consumer (which
keeps retrying with backoff) delivers every record exactly once and exits once idle.
Needs node and kinesalite (exit 77 otherwise, unless CI=true)."""
import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consumer_common as cc  # noqa: E402

CLI = sys.argv[1]
if not os.path.isdir(os.path.join(cc.NODE_MODULES, "kinesalite")):
    print("kinesalite is not installed")
    sys.exit(1 if os.environ.get("CI") == "true" else 77)

SERVER = r"""
const k = require(require('path').join(process.argv[1], 'kinesalite'));
const s = k({path: process.argv[2], createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20});
s.listen(Number(process.argv[3]), '127.0.0.1', () => console.log('ready'));
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port, path):
    p = subprocess.Popen(["node", "-e", SERVER, cc.NODE_MODULES, path, str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         start_new_session=True)
    line = p.stdout.readline()
    if "ready" not in line:
        p.kill()
        sys.exit(f"FAIL: kinesalite did not start: {line!r}")
    return p


db = tempfile.mkdtemp(prefix="cons-kinesalite-")
port = free_port()
endpoint = f"http://127.0.0.1:{port}"
server = start(port, db)
consumer = None
try:
    k = cc.kinesis_client(endpoint)
    stream = cc.new_stream(k, "cons-restart", 2)
    expected = set()

    def records(prefix, n):
        out = []
        for i in range(n):
            d = f"{prefix}{i % 40}:{i}"
            expected.add(d)
            out.append((f"{prefix}{i % 40}", d.encode()))
        return out

    cc.put_plain(k, stream, records("before", 3000))
    consumer = subprocess.Popen(
        [CLI, "--endpoint-url", endpoint, "consume", "--stream-name", stream,
         "--records-per-call", "100", "--idle-interval-ms", "100", "--shard-sync-ms", "500",
         "--idle-exit-ms", "3000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    time.sleep(2.0)
    server = start(port, db)
    cc.put_plain(k, stream, records("after", 1000))
    try:
        out, err = consumer.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        consumer.kill()
        out, err = consumer.communicate()
        sys.exit(f"FAIL: consumer did not exit: {err[-2000:]}")
    if consumer.returncode != 0:
        sys.exit(f"FAIL: consumer exited {consumer.returncode}: {err[-2000:]}")
    got = [base64.b64decode(r["Data"]).decode() for r in cc.parse_output(out)]
    failures = []
    if len(got) != len(set(got)):
        failures.append(f"{len(got) - len(set(got))} duplicates")
    if expected - set(got):
        failures.append(f"{len(expected - set(got))} missing, e.g. {sorted(expected - set(got))[:5]}")
    before = [g for g in got if g.startswith("before")]
    print(f"{len(got)} records delivered ({len(before)} written before the restart)")
    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print("OK")
finally:
    if consumer and consumer.poll() is None:
        consumer.kill()
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()
    subprocess.run(["rm", "-rf", db])
