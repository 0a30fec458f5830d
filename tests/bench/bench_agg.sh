#!/bin/sh
# Aggregation benchmark driver (not a test): our packer/unpacker, the reference Node module
# (aws-kinesis-agg) on the same input, and `openssl speed md5`, in one run on one core.
# Prints `BENCH <name> <value> <unit>` lines, ratios included.
# Usage: tests/bench/bench_agg.sh [path/to/bench_agg]   (build it with
#   cmake -B build-rel -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_BENCHMARKS=ON && cmake --build build-rel)
# Env: BENCH_RECORDS (default 1000000), KINESIS_NODE_MODULES (default <root>/.deps/npm/node_modules).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
    for c in "$root"/build-rel/tests/bench_agg "$root"/build*/tests/bench_agg; do
        if [ -x "$c" ]; then bin=$c; break; fi
    done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "bench_agg binary not found; pass its path" >&2; exit 2; }
n=${BENCH_RECORDS:-1000000}
modules=${KINESIS_NODE_MODULES:-$root/.deps/npm/node_modules}
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# MD5 ceiling: OpenSSL's speed test, largest block column (16384 bytes), "k" = 1000 bytes/s.
$pin openssl speed -seconds 3 md5 2>/dev/null | awk '/^md5 /{v=$NF; sub(/k$/,"",v); printf "BENCH openssl_md5_bytes_per_s %.0f bytes/s\n", v*1000}' > "$tmp/md5"
cat "$tmp/md5"
$pin "$bin" "$n" 100 16 > "$tmp/ours"
cat "$tmp/ours"
if command -v node >/dev/null 2>&1 && [ -d "$modules/aws-kinesis-agg" ]; then
    $pin node --max-old-space-size=8192 "$here/bench_agg_node.js" "$modules" "$n" 100 16 > "$tmp/node"
    cat "$tmp/node"
else
    echo "node or aws-kinesis-agg missing: no Node figures" >&2
    : > "$tmp/node"
fi

cat "$tmp/md5" "$tmp/ours" "$tmp/node" | awk '
    $1 == "BENCH" { v[$2] = $3 }
    END {
        ok = 1
        if (v["node_agg_pack_records_per_s"] > 0) {
            p = v["agg_pack_records_per_s"] / v["node_agg_pack_records_per_s"]
            u = v["agg_unpack_records_per_s"] / v["node_agg_unpack_records_per_s"]
            printf "BENCH agg_pack_vs_node %.1f x\n", p
            printf "BENCH agg_unpack_vs_node %.1f x\n", u
            printf "BENCH agg_unpack_one_by_one_vs_node %.1f x\n", v["agg_unpack_one_by_one_records_per_s"] / v["node_agg_unpack_records_per_s"]
            if (p < 10 || u < 10) ok = 0
        } else ok = 0
        if (v["openssl_md5_bytes_per_s"] > 0) {
            m = 100 * v["agg_pack_bytes_per_s"] / v["openssl_md5_bytes_per_s"]
            printf "BENCH agg_pack_vs_md5_ceiling %.1f %%\n", m
            printf "BENCH agg_unpack_vs_md5_ceiling %.1f %%\n", 100 * v["agg_unpack_bytes_per_s"] / v["openssl_md5_bytes_per_s"]
            if (m < 80) ok = 0
        } else ok = 0
        printf "BENCH agg_targets_met %d bool\n", ok
    }'
