#!/usr/bin/env python3
"""Driver of the producer benchmark (run by bench_producer.sh, beside one kinesalite): starts
every client of the comparison at once, each in its own process (boto3, the producer in four
ways, the two floors), and measures them in turns: round 0 is every client's cold pass, then each
round is one steady pass of each client, the order rotating from round to round. This 2-core
machine's speed drifts by tens of percent over minutes (the same --send floor measured 0.35 and
0.54 s per million in runs ten minutes apart), so clients measured one after another would each
meet a different machine; in turns they all meet the same drift, and the ratios compare like with
like. A client idles (blocked on stdin) while the others run, so only its own pass is on its
clock.

Prints each client's BENCH lines (see bench_producer.c and bench_producer_boto3.py), then the
ratios to boto3 and whether the targets are met.

    bench_producer_turns.py   (env: KINESIS_TEST_KINESALITE_ENDPOINT, BENCH_BIN, BENCH_N,
                               BENCH_STEADY_PASSES, BENCH_LOG_DIR for the producers' stderr)
"""
import os
import subprocess
import sys

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))


def clients(ep, n, bench_bin):
    """(name, stream, argv) of every client, in the order their BENCH lines are printed."""
    b = [bench_bin]
    return [
        ("boto3", "bench-boto3", [sys.executable, os.path.join(HERE, "bench_producer_boto3.py"),
                                  ep, "bench-boto3", n]),
        ("noagg", "bench-noagg", b + [ep, "bench-noagg", n, "noagg"]),
        ("agg", "bench-agg", b + [ep, "bench-agg", n, "agg"]),
        ("agg-put", "bench-agg-put", b + [ep, "bench-agg-put", n, "agg", "put"]),
        ("agg-copy", "bench-agg-copy", b + [ep, "bench-agg-copy", n, "agg", "copy"]),
        ("send", "bench-send", b + ["--send", ep, "bench-send", n]),
        ("send-agg", "bench-send-agg", b + ["--send-agg", ep, "bench-send-agg", n]),
    ]


def make_streams(ep, names):
    c = boto3.client("kinesis", endpoint_url=ep, region_name="us-east-1")
    for s in names:
        c.create_stream(StreamName=s, ShardCount=4)
    for s in names:
        c.get_waiter("stream_exists").wait(StreamName=s, WaiterConfig={"Delay": 0.1})


def take_turn(name, proc, out):
    """Run one pass of a client: wake it, collect its output until the pass is measured."""
    proc.stdin.write("go\n")
    proc.stdin.flush()
    for line in proc.stdout:
        if line.strip() == "TURN_DONE":
            return
        out.append(line)
    sys.exit("bench: %s ended before its pass was measured (exit %s)" % (name, proc.wait()))


def summary(v):
    """The ratio lines, from the clients' BENCH values v (name -> float)."""
    lines = []
    b = v.get("boto3_cpu_s_per_million", 0)
    na = v.get("producer_noagg_cpu_s_per_million", 0)
    ag = v.get("producer_agg_cpu_s_per_million", 0)
    for key, val in (("noagg", na), ("agg", ag),
                     ("agg_put", v.get("producer_agg_put_cpu_s_per_million", 0)),
                     ("agg_copy", v.get("producer_agg_copy_cpu_s_per_million", 0))):
        if val > 0:
            lines.append("BENCH producer_%s_cpu_vs_boto3 %.1f x_less" % (key, b / val))
    # The floors: what no producer of these records can spend less than (see bench_producer.c).
    for key, floor, ours, what in (
            ("noagg", "producer_send_floor", na, "no producer without aggregation over libcurl"),
            ("agg", "producer_agg_send_floor", ag,
             "no aggregating producer on these codecs over libcurl")):
        fl = v.get(floor + "_cpu_s_per_million", 0)
        if fl > 0:
            lines.append("BENCH producer_%s_bound_vs_boto3 %.1f x_less (%s can exceed this)"
                         % (key, b / fl, what))
            if ours > 0:
                lines.append("BENCH producer_%s_above_send_floor_cpu_s_per_million %.3f s"
                             % (key, ours - fl))
    bc = v.get("boto3_cold_cpu_s_per_million", 0)
    for key in ("noagg", "agg"):
        c = v.get("producer_%s_cold_cpu_s_per_million" % key, 0)
        if c > 0:
            lines.append("BENCH producer_%s_cold_cpu_vs_boto3_cold %.1f x_less" % (key, bc / c))
    ok = na > 0 and b / na >= 20 and ag > 0 and b / ag >= 40
    lines.append("BENCH producer_targets_met %d bool" % ok)
    return lines


def main():
    ep = os.environ["KINESIS_TEST_KINESALITE_ENDPOINT"]
    n = os.environ.get("BENCH_N", "200000")
    steady = int(os.environ.get("BENCH_STEADY_PASSES", "3"))
    if not 1 <= steady <= 15:
        steady = 3  # as bench_passes.h and bench_producer_boto3.py read it
    log_dir = os.environ.get("BENCH_LOG_DIR", "")
    cs = clients(ep, n, os.environ["BENCH_BIN"])
    make_streams(ep, [stream for _, stream, _ in cs])
    env = dict(os.environ, BENCH_TURNS="1", BENCH_STEADY_PASSES=str(steady))
    procs, outs = [], []
    for name, _, argv in cs:
        err = open(os.path.join(log_dir, name + ".log"), "w") if log_dir else subprocess.DEVNULL
        procs.append(subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=err, text=True, env=env))
        outs.append([])
    for rnd in range(1 + steady):
        for k in range(len(cs)):
            i = (rnd + k) % len(cs)
            take_turn(cs[i][0], procs[i], outs[i])
    values = {}
    for (name, _, _), proc, out in zip(cs, procs, outs):
        proc.stdin.close()
        out.extend(proc.stdout)
        if proc.wait() != 0:
            sys.exit("bench: %s failed (exit %d)" % (name, proc.returncode))
        for line in out:
            sys.stdout.write(line)
            f = line.split()
            if len(f) >= 3 and f[0] == "BENCH":
                try:
                    values[f[1]] = float(f[2])
                except ValueError:
                    pass
    for line in summary(values):
        print(line)


if __name__ == "__main__":
    main()
