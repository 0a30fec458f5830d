#!/bin/sh
# Producer benchmark driver (not a test): one run, the same records (100 B, random keys) into
# 4-shard streams on kinesalite: boto3 put_records in batches of 500, our producer without
# aggregation, our producer with aggregation (records lent with put_batch, lent one put() each,
# and copied by the producer as it does by default). Prints `BENCH <name> <value> <unit>` lines (records/s,
# client CPU seconds per million records, peak RSS) and the CPU ratios against boto3. Each client
# sends the records 1 + BENCH_STEADY_PASSES (default 3) times: `_cold_` lines are the first pass
# (one-time costs of a fresh process), the others the median of the rest (steady state, the
# figures the targets are about). Then the least any producer of these records over libcurl spends
# without aggregation (bench_producer --send: prebuilt PutRecords bodies signed and sent, nothing
# else) and the ratio boto3 over it: no producer without aggregation over libcurl can exceed it;
# and the same with aggregation (--send-agg: keys hashed, records aggregated per shard, MD5, base64,
# signed and sent, with this library's codecs, nothing else).
# Usage: tests/bench/bench_producer.sh [BUILD_DIR]   (a Release build with benchmarks:
#   cmake -B build-rel -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_BENCHMARKS=ON -DKINESIS_BUILD_CLI=ON
#   && cmake --build build-rel). Builds nothing. Env: BENCH_RECORDS (default 200000).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
    for c in "$root"/build-rel "$root"/build-prod-rel "$root"/build*; do
        if [ -x "$c/tests/bench_producer" ]; then build=$c; break; fi
    done
fi
bin=$build/tests/bench_producer
[ -n "$build" ] && [ -x "$bin" ] || { echo "bench_producer not found; pass the build dir" >&2; exit 2; }
export BENCH_BIN="$bin" BENCH_HERE="$here" BENCH_N="${BENCH_RECORDS:-200000}"
exec python3 "$root/tests/harness/with_servers.py" --servers kinesalite --quiet -- sh -c '
set -eu
ep=$KINESIS_TEST_KINESALITE_ENDPOINT
python3 - "$ep" <<PY
import sys, time, boto3
c = boto3.client("kinesis", endpoint_url=sys.argv[1], region_name="us-east-1")
for s in ("bench-boto3", "bench-noagg", "bench-agg", "bench-agg-put", "bench-agg-copy",
          "bench-send", "bench-send-agg"):
    c.create_stream(StreamName=s, ShardCount=4)
for s in ("bench-boto3", "bench-noagg", "bench-agg", "bench-agg-put", "bench-agg-copy",
          "bench-send", "bench-send-agg"):
    c.get_waiter("stream_exists").wait(StreamName=s, WaiterConfig={"Delay": 0.1})
PY
tmp=$(mktemp -d)
python3 "$BENCH_HERE/bench_producer_boto3.py" "$ep" bench-boto3 "$BENCH_N" | tee "$tmp/out"
"$BENCH_BIN" "$ep" bench-noagg "$BENCH_N" noagg 2>"$tmp/noagg.log" | tee -a "$tmp/out"
"$BENCH_BIN" "$ep" bench-agg "$BENCH_N" agg 2>"$tmp/agg.log" | tee -a "$tmp/out"
"$BENCH_BIN" "$ep" bench-agg-put "$BENCH_N" agg put 2>"$tmp/agg-put.log" | tee -a "$tmp/out"
"$BENCH_BIN" "$ep" bench-agg-copy "$BENCH_N" agg copy 2>"$tmp/agg-copy.log" | tee -a "$tmp/out"
"$BENCH_BIN" --send "$ep" bench-send "$BENCH_N" | tee -a "$tmp/out"
"$BENCH_BIN" --send-agg "$ep" bench-send-agg "$BENCH_N" | tee -a "$tmp/out"
awk "\$1 == \"BENCH\" { v[\$2] = \$3 }
    END {
        b = v[\"boto3_cpu_s_per_million\"]
        na = v[\"producer_noagg_cpu_s_per_million\"]; ag = v[\"producer_agg_cpu_s_per_million\"]
        ap = v[\"producer_agg_put_cpu_s_per_million\"]; ac = v[\"producer_agg_copy_cpu_s_per_million\"]
        if (na > 0) printf \"BENCH producer_noagg_cpu_vs_boto3 %.1f x_less\\n\", b / na
        if (ag > 0) printf \"BENCH producer_agg_cpu_vs_boto3 %.1f x_less\\n\", b / ag
        if (ap > 0) printf \"BENCH producer_agg_put_cpu_vs_boto3 %.1f x_less\\n\", b / ap
        if (ac > 0) printf \"BENCH producer_agg_copy_cpu_vs_boto3 %.1f x_less\\n\", b / ac
        fl = v[\"producer_send_floor_cpu_s_per_million\"]
        if (fl > 0) printf \"BENCH producer_noagg_bound_vs_boto3 %.1f x_less (no producer without aggregation over libcurl can exceed this)\\n\", b / fl
        if (fl > 0 && na > 0) printf \"BENCH producer_noagg_above_send_floor_cpu_s_per_million %.3f s\\n\", na - fl
        fa = v[\"producer_agg_send_floor_cpu_s_per_million\"]
        if (fa > 0) printf \"BENCH producer_agg_bound_vs_boto3 %.1f x_less (no aggregating producer on these codecs over libcurl can exceed this)\\n\", b / fa
        if (fa > 0 && ag > 0) printf \"BENCH producer_agg_above_send_floor_cpu_s_per_million %.3f s\\n\", ag - fa
        bc = v[\"boto3_cold_cpu_s_per_million\"]
        nc = v[\"producer_noagg_cold_cpu_s_per_million\"]; gc = v[\"producer_agg_cold_cpu_s_per_million\"]
        if (nc > 0) printf \"BENCH producer_noagg_cold_cpu_vs_boto3_cold %.1f x_less\\n\", bc / nc
        if (gc > 0) printf \"BENCH producer_agg_cold_cpu_vs_boto3_cold %.1f x_less\\n\", bc / gc
        ok = (na > 0 && b / na >= 20 && ag > 0 && b / ag >= 40)
        printf \"BENCH producer_targets_met %d bool\\n\", ok
    }" "$tmp/out"
rm -rf "$tmp"
'
