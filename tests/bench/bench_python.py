#!/usr/bin/env python3
"""Python bindings benchmark (not a test): client CPU per million records, boto3 beside
libkinesis, against one local kinesalite (run through bench_python.sh).

Produce: the same records with boto3 put_records (500 per call) vs libkinesis Producer.put()
per record (aggregated), with the producer's per-shard pacing off (like boto3; kinesalite has no
shard limits) and, for reference, on (the default). The floor lines are CPython's own cost of
creating, holding and resolving one Future per record (stdlib, and the producer's slim one). Consume: the same stream read back with a boto3 get_records loop vs
iterating a libkinesis Consumer. CPU = this process's user+system time (all threads). Each
measurement starts after a full gc.collect(), so a collection owed to what ran before is not
charged to the next one (the garbage collector stays on: what a measurement allocates is
collected inside it).
Prints `BENCH <name> records=N cpu_s_per_million=X` lines and the ratios.
"""
import gc
import os
import sys
import time
from concurrent.futures import Future

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python", "src"))

import boto3  # noqa: E402

import libkinesis  # noqa: E402

N = int(os.environ.get("BENCH_RECORDS", "100000"))
SIZE = int(os.environ.get("BENCH_RECORD_BYTES", "100"))
ENDPOINT = os.environ["KINESIS_TEST_KINESALITE_ENDPOINT"]
CFG = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
           endpoint_url=ENDPOINT)


def records():
    pad = b"x" * max(0, SIZE - 8)
    return [(b"%08d" % i + pad, "key-%d" % (i % 1000)) for i in range(N)]


def cpu():
    return time.process_time()


def bench(name, fn):
    gc.collect()
    t = cpu()
    n = fn()
    used = cpu() - t
    per_m = used / n * 1e6
    print("BENCH %s records=%d cpu_s=%.3f cpu_s_per_million=%.2f" % (name, n, used, per_m),
          flush=True)
    return per_m


def make_stream(client, name, shards=2):
    client.create_stream(StreamName=name, ShardCount=shards)
    client.get_waiter("stream_exists").wait(StreamName=name,
                                            WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})


def main():
    b3 = boto3.client("kinesis", **CFG)
    lk = libkinesis.Client(**CFG)
    recs = records()
    make_stream(lk, "bench-boto3")
    make_stream(lk, "bench-lk")

    def boto3_put():
        for i in range(0, N, 500):
            r = b3.put_records(StreamName="bench-boto3", Records=[
                {"Data": d, "PartitionKey": k} for d, k in recs[i:i + 500]])
            assert r["FailedRecordCount"] == 0
        return N

    def lk_put(stream, **options):
        def run():
            with libkinesis.Producer(lk, linger_ms=50, **options) as p:
                put = p.put
                for d, k in recs:
                    put(stream, d, k)
                p.flush()
            return N
        return run

    def floor_stdlib_futures():
        # CPython's own cost of what the producer must do per record at the least: make a
        # Future, keep it until its outcome is known, resolve it (stdlib Future, set_result).
        futs = [Future() for _ in range(N)]
        for f in futs:
            f.set_result(None)
        return N

    def floor_slim_futures():
        # The same with the producer's Future (lazy Condition, one store resolves it).
        from libkinesis.producer import _RecordFuture
        futs = [_RecordFuture() for _ in range(N)]
        for f in futs:
            f._result = True
        return N

    def boto3_get():
        n = 0
        for s in b3.list_shards(StreamName="bench-boto3")["Shards"]:
            it = b3.get_shard_iterator(StreamName="bench-boto3", ShardId=s["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                r = b3.get_records(ShardIterator=it, Limit=10000)
                for rec in r["Records"]:
                    n += len(rec["Data"]) > 0
                if not r["Records"]:
                    break
                it = r.get("NextShardIterator")
        assert n == N, n
        return n

    def lk_get():
        n = 0
        with libkinesis.Consumer(lk, "bench-lk", idle_exit=0.5, idle_interval_ms=50,
                                 min_call_interval_ms=0) as c:
            for rec in c:
                n += len(rec.data) > 0
        assert n == N, n
        return n

    p_b3 = bench("produce_boto3_put_records", boto3_put)
    # kinesalite enforces no shard limits and boto3 does not pace itself: the like-for-like
    # producer run turns off the producer's own per-shard pacing (1 MB/s, 1,000 records/s per
    # shard by default, which stretches this run to ~5 s of paced sending).
    p_lk = bench("produce_libkinesis_producer_put", lk_put("bench-lk", shard_rate_bytes=0,
                                                            shard_rate_records=0))
    make_stream(lk, "bench-lk-paced")
    p_lkp = bench("produce_libkinesis_producer_put_paced", lk_put("bench-lk-paced"))
    bench("floor_cpython_stdlib_future_create_resolve", floor_stdlib_futures)
    bench("floor_cpython_producer_future_create_resolve", floor_slim_futures)
    c_b3 = bench("consume_boto3_get_records", boto3_get)
    c_lk = bench("consume_libkinesis_consumer_iter", lk_get)
    print("BENCH produce_ratio boto3/libkinesis=%.1fx (target >= 10x)" % (p_b3 / p_lk))
    print("BENCH produce_ratio_paced boto3/libkinesis=%.1fx" % (p_b3 / p_lkp))
    print("BENCH consume_ratio boto3/libkinesis=%.1fx (target >= 5x)" % (c_b3 / c_lk))
    lk.close()


if __name__ == "__main__":
    main()
