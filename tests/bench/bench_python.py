#!/usr/bin/env python3
"""Python bindings benchmark (not a test): client CPU per million records, boto3 beside
libkinesis, against one local kinesalite (run through bench_python.sh).

Produce: the same records with boto3 put_records (500 per call) vs libkinesis Producer.put()
per record (aggregated), with the producer's per-shard pacing off (like boto3; kinesalite has no
shard limits) and, for reference, on (the default). The floor lines are CPython's own cost of
creating, holding and resolving one Future per record (stdlib, and the producer's slim one).
Consume: the same stream read back with a boto3 get_records loop vs iterating a libkinesis
Consumer.

Each side runs in its own interpreter (this script, run again with `--side boto3` or `--side
libkinesis`), as a program using one library or the other would: CPython's full garbage
collections traverse every tracked object of the process, and boto3's loaded service model
(~50,000 objects) would otherwise be charged to the libkinesis side (each full collection
inside a libkinesis run cost ~35 ms more with boto3 loaded, ~0.35 µs per record of a
100,000-record run). The in-process figure is printed too, for reference.

CPU = the measuring process's user+system time (all threads). Each measurement starts after a
full gc.collect() (the collector stays on: what a measurement allocates is collected inside it);
the produce and consume measurements are repeated (BENCH_REPEAT, default 3) and their median is
the figure, since a run shares the 2 cores with kinesalite and varies by ±15%. A producing side
sends the records through one client or Producer 1 + BENCH_REPEAT times, as a long-running
program does; the first run (`_cold`) pays its one-time costs (boto3's service model; the
Producer's threads, shard map and the first touch of its buffers, pending map and record slabs)
and is printed apart, the median of the others is the steady state, as in bench_producer.sh.
Prints `BENCH <name> records=N cpu_s_per_million=X` lines and the ratios.
"""
import gc
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import Future

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python", "src"))

N = int(os.environ.get("BENCH_RECORDS", "100000"))
SIZE = int(os.environ.get("BENCH_RECORD_BYTES", "100"))
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "3")))
ENDPOINT = os.environ["KINESIS_TEST_KINESALITE_ENDPOINT"]
CFG = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
           endpoint_url=ENDPOINT)


def records():
    pad = b"x" * max(0, SIZE - 8)
    return [(b"%08d" % i + pad, "key-%d" % (i % 1000)) for i in range(N)]


def bench(name, fn, repeat=1, cold=False):
    """Median client CPU seconds per million records of `repeat` runs of fn(run index). With
    cold, run 0 is measured apart first (printed as NAME_cold) and the median is of runs 1..repeat:
    the runs share one client or producer, and the first pays its one-time costs."""
    per_m = []
    first = 1 if cold else 0
    for r in range(first + repeat):
        gc.collect()
        t = time.process_time()
        n = fn(r)
        per_m.append((time.process_time() - t) / n * 1e6)
    if cold:
        print("BENCH %s_cold records=%d cpu_s_per_million=%.2f" % (name, n, per_m[0]), flush=True)
    m = statistics.median(per_m[first:])
    runs = " runs=%s" % ",".join("%.2f" % v for v in per_m[first:]) if repeat > 1 else ""
    print("BENCH %s records=%d cpu_s_per_million=%.2f%s" % (name, n, m, runs), flush=True)
    return m


def make_stream(client, name, shards=2):
    client.create_stream(StreamName=name, ShardCount=shards)
    client.get_waiter("stream_exists").wait(StreamName=name,
                                            WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})


def side_boto3(recs):
    import boto3

    b3 = boto3.client("kinesis", **CFG)

    def put(r):
        stream = "bench-boto3-%d" % r
        for i in range(0, N, 500):
            res = b3.put_records(StreamName=stream, Records=[
                {"Data": d, "PartitionKey": k} for d, k in recs[i:i + 500]])
            assert res["FailedRecordCount"] == 0
        return N

    def get(_r):
        n = 0
        for s in b3.list_shards(StreamName="bench-boto3-0")["Shards"]:
            it = b3.get_shard_iterator(StreamName="bench-boto3-0", ShardId=s["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                res = b3.get_records(ShardIterator=it, Limit=10000)
                for rec in res["Records"]:
                    n += len(rec["Data"]) > 0
                if not res["Records"]:
                    break
                it = res.get("NextShardIterator")
        assert n == N, n
        return n

    bench("produce_boto3_put_records", put, REPEAT, cold=True)
    bench("consume_boto3_get_records", get, REPEAT)


def side_libkinesis(recs, beside_boto3=False):
    import libkinesis

    lk = libkinesis.Client(**CFG)

    producers = []

    def put(prefix, **options):
        """fn(r): the records through one Producer (made by the first run) into PREFIX-r."""
        def run(r):
            if not producers:
                producers.append(libkinesis.Producer(lk, linger_ms=50, **options))
            p = producers[0]
            stream = "%s-%d" % (prefix, r)
            put = p.put
            for d, k in recs:
                put(stream, d, k)
            p.flush()
            return N
        return run

    def produce(name, prefix, repeat, **options):
        bench(name, put(prefix, **options), repeat, cold=True)
        producers.pop().close()

    def floor_stdlib_futures(_r):
        # CPython's own cost of what the producer must do per record at the least: make a
        # Future, keep it until its outcome is known, resolve it (stdlib Future, set_result).
        futs = [Future() for _ in range(N)]
        for f in futs:
            f.set_result(None)
        return N

    def floor_slim_futures(_r):
        # The same with the producer's Future (lazy Condition, one store resolves it).
        from libkinesis.producer import _RecordFuture
        futs = [_RecordFuture() for _ in range(N)]
        for f in futs:
            f._result = True
        return N

    def get(_r):
        n = 0
        with libkinesis.Consumer(lk, "bench-lk-0", idle_exit=0.5, idle_interval_ms=50,
                                 min_call_interval_ms=0) as c:
            for rec in c:
                n += len(rec.data) > 0
        assert n == N, n
        return n

    # kinesalite enforces no shard limits and boto3 does not pace itself: the like-for-like
    # producer run turns off the producer's own per-shard pacing (1 MB/s, 1,000 records/s per
    # shard by default, which stretches this run to ~5 s of paced sending).
    unpaced = dict(shard_rate_bytes=0, shard_rate_records=0)
    if beside_boto3:
        # The reference run beside boto3's heap: one run, into a stream of its own.
        produce("produce_libkinesis_producer_put_beside_boto3", "bench-lk-beside", 1, **unpaced)
        lk.close()
        return
    produce("produce_libkinesis_producer_put", "bench-lk", REPEAT, **unpaced)
    produce("produce_libkinesis_producer_put_paced", "bench-lk-paced", 1)
    bench("floor_cpython_stdlib_future_create_resolve", floor_stdlib_futures)
    bench("floor_cpython_producer_future_create_resolve", floor_slim_futures)
    bench("consume_libkinesis_consumer_iter", get, REPEAT)
    lk.close()


def run_side(args):
    """This script in a fresh interpreter; returns {BENCH name: cpu_s_per_million}."""
    p = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, capture_output=True,
                       text=True, timeout=1800)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        sys.exit("bench_python %s failed (exit %d)" % (" ".join(args), p.returncode))
    vals = {}
    for ln in p.stdout.splitlines():
        print(ln, flush=True)
        parts = ln.split()
        if len(parts) >= 4 and parts[0] == "BENCH":
            vals[parts[1]] = float(parts[3].split("=")[1])
    return vals


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--side":
        side = sys.argv[2]
        recs = records()
        if side == "boto3":
            side_boto3(recs)
        elif side == "libkinesis":
            side_libkinesis(recs)
        elif side == "libkinesis-beside-boto3":
            import boto3
            boto3.client("kinesis", **CFG)  # boto3's model loaded, as in a process using both
            side_libkinesis(recs, beside_boto3=True)
        else:
            sys.exit("unknown side %s" % side)
        return
    import libkinesis

    lk = libkinesis.Client(**CFG)
    for r in range(1 + REPEAT):
        make_stream(lk, "bench-boto3-%d" % r)
        make_stream(lk, "bench-lk-%d" % r)
    for r in range(2):
        make_stream(lk, "bench-lk-paced-%d" % r)
        make_stream(lk, "bench-lk-beside-%d" % r)
    lk.close()
    b3 = run_side(["--side", "boto3"])
    ours = run_side(["--side", "libkinesis"])
    beside = run_side(["--side", "libkinesis-beside-boto3"])
    p_b3 = b3["produce_boto3_put_records"]
    c_b3 = b3["consume_boto3_get_records"]
    print("BENCH produce_ratio boto3/libkinesis=%.1fx (target >= 10x)"
          % (p_b3 / ours["produce_libkinesis_producer_put"]))
    print("BENCH produce_ratio_paced boto3/libkinesis=%.1fx"
          % (p_b3 / ours["produce_libkinesis_producer_put_paced"]))
    print("BENCH produce_ratio_beside_boto3 boto3/libkinesis=%.1fx (libkinesis run in a process "
          "that also loaded boto3)"
          % (p_b3 / beside["produce_libkinesis_producer_put_beside_boto3"]))
    print("BENCH consume_ratio boto3/libkinesis=%.1fx (target >= 5x)"
          % (c_b3 / ours["consume_libkinesis_consumer_iter"]))


if __name__ == "__main__":
    main()
