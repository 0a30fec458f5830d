#!/usr/bin/env python3
"""Runs a producer integration scenario through tests/harness/fault_proxy.py.

    producer_fault.py --integ BIN --server kinesalite --scenario faults|stall|cli [--cli BIN]
                      [--records N]

Run it under with_servers.py (it reads KINESIS_TEST_<SERVER>_ENDPOINT). It starts the proxy on
loopback in front of the server with the scenario's fault rules, runs the C test program (or the
CLI round trip) with PRODUCER_PROXY_ENDPOINT and PRODUCER_PROXY_LOG set, prints the proxy's
counters, and stops the proxy (which also exits by itself if this script dies).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "harness", "fault_proxy.py")

# Every fault the issue lists, on chosen PutRecords request numbers.
FAULT_RULES = [
    {"op": "PutRecords", "every": 10, "offset": 1, "fault": "throttle"},
    {"op": "PutRecords", "every": 10, "offset": 3, "fault": "partial", "record_every": 4},
    {"op": "PutRecords", "every": 10, "offset": 5, "fault": "500"},
    {"op": "PutRecords", "every": 10, "offset": 6, "fault": "503"},
    {"op": "PutRecords", "every": 13, "offset": 7, "fault": "reset_before"},
    {"op": "PutRecords", "every": 17, "offset": 8, "fault": "reset_after"},
    {"op": "PutRecords", "every": 31, "offset": 9, "fault": "slow", "delay_s": 3},
]
# Faults that never lose a response: the read-back must match the input exactly.
NO_LOSS_RULES = [r for r in FAULT_RULES if r["fault"] not in ("reset_after", "slow")]


def endpoint_for(server):
    name = server.upper().replace("-", "_")
    ep = os.environ.get("KINESIS_TEST_%s_ENDPOINT" % name)
    if not ep:
        print("no endpoint for %s (run under with_servers.py)" % server)
        sys.exit(77)
    return ep


def start_proxy(upstream, rules, log):
    fd, rules_path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump({"rules": rules}, f)
    p = subprocess.Popen([sys.executable, PROXY, "--upstream", upstream, "--rules", rules_path,
                          "--log", log, "--max-seconds", "900"], stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit("fault proxy did not start")
    return p, "http://127.0.0.1:%d" % int(line.split()[1]), rules_path


def proxy_stats(ep):
    with urllib.request.urlopen(ep + "/__proxy/stats", timeout=10) as r:
        return json.loads(r.read())


def run(cmd, env, stdin=None):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, stdin=stdin).returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--integ", required=True)
    ap.add_argument("--cli")
    ap.add_argument("--server", default="kinesalite")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--records", type=int, default=100000)
    a = ap.parse_args()
    upstream = endpoint_for(a.server)
    tmp = tempfile.mkdtemp(prefix="producer-fault-")
    log = os.path.join(tmp, "lost.jsonl")
    rules = {"faults": FAULT_RULES, "stall": [], "cli": NO_LOSS_RULES}[a.scenario]
    proxy, ep, rules_path = start_proxy(upstream, rules, log)
    env = dict(os.environ, PRODUCER_PROXY_ENDPOINT=ep, PRODUCER_PROXY_LOG=log)
    try:
        if a.scenario == "cli":
            rc = cli_roundtrip(a, ep, upstream, env, tmp)
        else:
            args = [a.integ, a.server, a.scenario]
            if a.scenario == "faults":
                args.append(str(a.records))
            rc = run(args, env)
        stats = proxy_stats(ep)
        print("proxy: %d requests; faults injected: %s; lost responses: %d (%d records)" % (
            stats["requests"], json.dumps(stats["faults"], sort_keys=True),
            stats["lost_responses"], stats["lost_records"]))
        if a.scenario == "faults" and rc == 0:
            want = {r["fault"] for r in FAULT_RULES}
            missing = want - set(stats["faults"])
            if missing:
                print("FAIL: faults never injected: %s" % sorted(missing))
                rc = 1
        return rc
    finally:
        proxy.kill()
        proxy.wait()
        os.unlink(rules_path)


def cli_roundtrip(a, ep, upstream, env, tmp):
    """kinesis produce (text and json formats) through the no-loss faults; read back exactly."""
    rnd = random.Random(7)
    lines = ["line %d %s" % (i, "x" * rnd.randrange(0, 200)) for i in range(6000)]
    lines += ["same line"] * 5 + ["unicode: h\u00e9llo \u2603", "", "tab\there"]
    text = os.path.join(tmp, "in.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    base = "produce-cli-%d" % os.getpid()
    for fmt, extra in (("text", []), ("json", ["--no-aggregate", "--linger-ms", "20"])):
        stream = "%s-%s" % (base, fmt)
        if run([a.cli, "--endpoint-url", upstream, "create-stream", "--stream-name", stream,
                "--shard-count", "3"], env) or \
           run([a.cli, "--endpoint-url", upstream, "wait", "stream-exists", "--stream-name",
                stream], env):
            return 1
        src = text
        if fmt == "json":
            import base64
            src = os.path.join(tmp, "in.jsonl")
            with open(src, "w") as f:
                for i, l in enumerate(lines):
                    e = {"PartitionKey": "k%d" % (i % 97),
                         "Data": base64.b64encode(l.encode()).decode()}
                    if i % 5 == 0:
                        e["ExplicitHashKey"] = str(rnd.randrange(0, 2 ** 128))
                    f.write(json.dumps(e) + "\n")
        with open(src, "rb") as stdin:
            out = subprocess.run([a.cli, "--endpoint-url", ep, "produce", "--stream-name", stream,
                                  "--format", fmt, "--no-progress"] + extra,
                                 env=env, stdin=stdin, capture_output=True)
        sys.stderr.write(out.stderr.decode(errors="replace"))
        if out.returncode != 0:
            print("FAIL: kinesis produce exited %d: %s" % (out.returncode, out.stdout.decode()))
            return 1
        summary = json.loads(out.stdout)
        print("produce %s: %s" % (fmt, json.dumps({k: summary[k] for k in (
            "Records", "Bytes", "Delivered", "Failed", "Retries", "ElapsedSeconds")})))
        if summary["Records"] != len(lines) or summary["Failed"] != 0:
            print("FAIL: summary does not account for every line")
            return 1
        if run([a.integ, a.server, "readback", stream, text], env):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
