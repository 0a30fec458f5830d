#!/usr/bin/env python3
"""boto3 side of the producer benchmark: the same records as bench_producer.c (100-byte data,
16-hex-digit keys from the same xorshift64), put_records in batches of 500, resending only the
failed entries. Prints BENCH lines: records/s and client CPU seconds per million records
(time.process_time of this process, records generated before timing). As bench_producer.c, the
records go through the same client 1 + BENCH_STEADY_PASSES (default 3) times: the first pass
(`boto3_cold_...`) pays the one-time costs (service model loading, the first connection), the
median of the others is the headline figure. With BENCH_TURNS set (bench_producer.sh), each pass
waits for a line on stdin and is followed by a `TURN_DONE` line, as bench_passes.h describes.

    bench_producer_boto3.py ENDPOINT STREAM N
"""
import os
import statistics
import sys
import time

import boto3
from botocore.config import Config

M = (1 << 64) - 1


def records(n):
    x = 88172645463325252
    out = []
    for i in range(n):
        x ^= (x << 13) & M
        x ^= x >> 7
        x ^= (x << 17) & M
        head = b"%010d" % i
        out.append({"PartitionKey": "%016x" % x, "Data": head + b"x" * (100 - len(head))})
    return out


def main():
    endpoint, stream, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    recs = records(n)
    client = boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                          config=Config(retries={"max_attempts": 5, "mode": "standard"}))
    steady = int(os.environ.get("BENCH_STEADY_PASSES", "3"))
    if not 1 <= steady <= 15:
        steady = 3
    turns = "BENCH_TURNS" in os.environ
    cpus, walls = [], []
    for _ in range(1 + steady):
        if turns and not sys.stdin.readline():
            sys.exit(1)  # the driver went away
        w0, c0 = time.monotonic(), time.process_time()
        for start in range(0, n, 500):
            batch = recs[start:start + 500]
            while batch:
                resp = client.put_records(StreamName=stream, Records=batch)
                if not resp.get("FailedRecordCount"):
                    break
                batch = [r for r, res in zip(batch, resp["Records"]) if "ErrorCode" in res]
        cpus.append(time.process_time() - c0)
        walls.append(time.monotonic() - w0)
        if turns:
            print("TURN_DONE", flush=True)
    print("BENCH boto3_cold_records_per_s %.0f records/s" % (n / walls[0]))
    print("BENCH boto3_cold_cpu_s_per_million %.3f s" % (cpus[0] / n * 1e6))
    print("BENCH boto3_records_per_s %.0f records/s" % (n / statistics.median(walls[1:])))
    print("BENCH boto3_cpu_s_per_million %.3f s" % (statistics.median(cpus[1:]) / n * 1e6))
    print("BENCH boto3_cpu_s_per_million_passes %s s"
          % ",".join("%.3f" % (c / n * 1e6) for c in cpus[1:]))


if __name__ == "__main__":
    main()
