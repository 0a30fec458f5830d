#!/usr/bin/env python3
"""Python bindings benchmark (not a test): client CPU per million records, boto3 beside
libkinesis, against one local kinesalite (run through bench_python.sh).

Produce: the same records with boto3 put_records (500 per call) vs libkinesis Producer.put()
per record (aggregated), with the producer's per-shard pacing off (like boto3; kinesalite has no
shard limits) and, for reference, on (the default). The floor lines are CPython's own cost of
creating, holding and resolving one Future per record (stdlib, and the producer's slim one).
Consume: the same stream read back with a boto3 get_records loop vs iterating a libkinesis
Consumer.

Each side runs in its own interpreter (this script, run again with `--serve boto3` or `--serve
libkinesis`), as a program using one library or the other would: CPython's full garbage
collections traverse every tracked object of the process, and boto3's loaded service model
(~50,000 objects) would otherwise be charged to the libkinesis side (each full collection
inside a libkinesis run cost ~35 ms more with boto3 loaded, ~0.35 µs per record of a
100,000-record run). The in-process figure is printed too, for reference (`--serve
libkinesis-beside-boto3`, one run).

The two interpreters stay up for the whole run and take turns, one measured pass at a time
(boto3 then libkinesis, then libkinesis then boto3, ...): this 2-core machine's speed drifts by
tens of percent over minutes (the same pure-Python floor measured 0.33 and 0.56 µs per record
in runs minutes apart), and alternating passes lets both sides meet the same drift instead of
one side getting the first minutes and the other the next.

CPU = the measuring process's user+system time (all threads). Each measurement starts after a
full gc.collect() (the collector stays on: what a measurement allocates is collected inside it);
the produce and consume measurements are repeated (BENCH_REPEAT, default 3) and their median is
the figure. A producing side sends the records through one client or Producer 1 + BENCH_REPEAT
times, as a long-running program does; the first run (`_cold`) pays its one-time costs (boto3's
service model; the Producer's threads, shard map and the first touch of its buffers, pending map
and record slabs) and is printed apart, the median of the others is the steady state, as in
bench_producer.sh. Prints `BENCH <name> records=N cpu_s_per_million=X` lines and the ratios.
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


def measure(fn, r):
    """Client CPU seconds per million records of fn(r) (which returns its record count)."""
    gc.collect()
    t = time.process_time()
    n = fn(r)
    return (time.process_time() - t) / n * 1e6


def report(name, per_m, cold):
    """BENCH lines for the passes of one row: with cold, pass 0 apart (NAME_cold) and the median
    of the others; returns the median."""
    first = 1 if cold else 0
    if cold:
        print("BENCH %s_cold records=%d cpu_s_per_million=%.2f" % (name, N, per_m[0]), flush=True)
    m = statistics.median(per_m[first:])
    runs = " runs=%s" % ",".join("%.2f" % v for v in per_m[first:]) if len(per_m) > first + 1 \
        else ""
    print("BENCH %s records=%d cpu_s_per_million=%.2f%s" % (name, N, m, runs), flush=True)
    return m


def make_stream(client, name, shards=2):
    client.create_stream(StreamName=name, ShardCount=shards)
    client.get_waiter("stream_exists").wait(StreamName=name,
                                            WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})


def boto3_passes(recs):
    """The boto3 side's measured passes, by name: fn(run index) -> records."""
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

    return {"produce": put, "consume": get}, lambda name=None: None


def libkinesis_passes(recs):
    """The libkinesis side's measured passes, by name, and finish(name): closes the Producer of
    pass `name` (None: everything)."""
    import libkinesis

    lk = libkinesis.Client(**CFG)
    producers = {}

    def put(name, prefix, **options):
        """fn(r): the records through pass NAME's Producer (made by the first run) into
        PREFIX-r."""
        def run(r):
            p = producers.get(name)
            if p is None:
                p = producers[name] = libkinesis.Producer(lk, linger_ms=50, **options)
            stream = "%s-%d" % (prefix, r)
            put = p.put
            for d, k in recs:
                put(stream, d, k)
            p.flush()
            return N
        return run

    def floor_stdlib_futures(_r):
        # CPython's own cost of what the producer must do per record at the least: make a
        # Future, keep it until its outcome is known, resolve it (stdlib Future, set_result).
        futs = [Future() for _ in range(N)]
        for f in futs:
            f.set_result(None)
        return N

    def floor_slim_futures(_r):
        # The same with the producer's Future (lazy Condition; the outcome of a Future somebody
        # holds is one store into its batch's list, see libkinesis.producer._Batch).
        from libkinesis.producer import _RecordFuture
        futs = [_RecordFuture() for _ in range(N)]  # held until the pass returns
        outcomes = [None] * N
        for j in range(N):
            outcomes[j] = True
        return len(futs)

    def get(_r):
        n = 0
        with libkinesis.Consumer(lk, "bench-lk-0", idle_exit=0.5, idle_interval_ms=50,
                                 min_call_interval_ms=0) as c:
            for rec in c:
                n += len(rec.data) > 0
        assert n == N, n
        return n

    def finish(name=None):
        for n in [name] if name else list(producers):
            p = producers.pop(n, None)
            if p is not None:
                p.close()
        if name is None:
            lk.close()

    # kinesalite enforces no shard limits and boto3 does not pace itself: the like-for-like
    # producer run turns off the producer's own per-shard pacing (1 MB/s, 1,000 records/s per
    # shard by default, which stretches this run to ~5 s of paced sending).
    unpaced = dict(shard_rate_bytes=0, shard_rate_records=0)
    return {"produce": put("produce", "bench-lk", **unpaced),
            "produce_paced": put("produce_paced", "bench-lk-paced"),
            "produce_beside": put("produce_beside", "bench-lk-beside", **unpaced),
            "floor_stdlib": floor_stdlib_futures,
            "floor_slim": floor_slim_futures,
            "consume": get}, finish


def serve(side):
    """A side's interpreter: answers lines `NAME RUN` from stdin with the pass's CPU seconds per
    million records (`done NAME`: NAME's passes are over, its Producer is closed), until stdin
    ends."""
    recs = records()
    if side == "libkinesis-beside-boto3":
        import boto3
        boto3.client("kinesis", **CFG)  # boto3's model loaded, as in a process using both
    passes, finish = boto3_passes(recs) if side == "boto3" else libkinesis_passes(recs)
    print("ready", flush=True)
    for line in sys.stdin:
        name, arg = line.split()
        if name == "done":
            finish(arg)
            print("ok", flush=True)
        else:
            print("%.6f" % measure(passes[name], int(arg)), flush=True)
    finish()


class Side:
    """This script serving one side in a fresh interpreter."""

    def __init__(self, side):
        self.side = side
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", side],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._expect("ready")

    def _expect(self, what=None):
        line = self.proc.stdout.readline()
        if not line or (what is not None and line.strip() != what):
            self.proc.kill()
            sys.exit("bench_python --serve %s failed (%r)" % (self.side, line))
        return line

    def run(self, name, r):
        self.proc.stdin.write("%s %d\n" % (name, r))
        self.proc.stdin.flush()
        return float(self._expect())

    def done(self, name):
        self.proc.stdin.write("done %s\n" % name)
        self.proc.stdin.flush()
        self._expect("ok")

    def close(self):
        self.proc.stdin.close()
        if self.proc.wait(timeout=600) != 0:
            sys.exit("bench_python --serve %s failed (exit %d)" % (self.side, self.proc.returncode))


def taking_turns(rows, passes):
    """Each (side, pass name) row measured `passes` times, the sides taking turns one pass at a
    time (the order reversed every other round); returns every row's measurements."""
    per = [[] for _ in rows]
    for r in range(passes):
        order = list(range(len(rows)))
        if r % 2:
            order.reverse()
        for i in order:
            side, name = rows[i]
            per[i].append(side.run(name, r))
    return per


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
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
    b3, ours = Side("boto3"), Side("libkinesis")
    produce = taking_turns([(b3, "produce"), (ours, "produce")], 1 + REPEAT)
    p_b3 = report("produce_boto3_put_records", produce[0], True)
    p_lk = report("produce_libkinesis_producer_put", produce[1], True)
    ours.done("produce")
    paced = report("produce_libkinesis_producer_put_paced",
                   [ours.run("produce_paced", r) for r in range(2)], True)
    ours.done("produce_paced")
    report("floor_cpython_stdlib_future_create_resolve", [ours.run("floor_stdlib", 0)], False)
    report("floor_cpython_producer_future_create_resolve", [ours.run("floor_slim", 0)], False)
    consume = taking_turns([(b3, "consume"), (ours, "consume")], REPEAT)
    c_b3 = report("consume_boto3_get_records", consume[0], False)
    c_lk = report("consume_libkinesis_consumer_iter", consume[1], False)
    b3.close()
    ours.close()
    # The reference run beside boto3's heap: one run (after a cold one), into streams of its own.
    beside = Side("libkinesis-beside-boto3")
    p_beside = report("produce_libkinesis_producer_put_beside_boto3",
                      [beside.run("produce_beside", r) for r in range(2)], True)
    beside.close()
    print("BENCH produce_ratio boto3/libkinesis=%.1fx (target >= 10x)" % (p_b3 / p_lk))
    print("BENCH produce_ratio_paced boto3/libkinesis=%.1fx" % (p_b3 / paced))
    print("BENCH produce_ratio_beside_boto3 boto3/libkinesis=%.1fx (libkinesis run in a process "
          "that also loaded boto3)" % (p_b3 / p_beside))
    print("BENCH consume_ratio boto3/libkinesis=%.1fx (target >= 5x)" % (c_b3 / c_lk))


if __name__ == "__main__":
    main()
