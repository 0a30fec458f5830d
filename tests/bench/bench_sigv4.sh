#!/bin/sh
# SigV4 benchmark: libkinesis's signer, botocore's SigV4Auth on the same requests, and the
# SHA-256 ceiling from `openssl speed`, in one run. Not a test.
#
# usage: tests/bench/bench_sigv4.sh [path/to/bench_sigv4] [seconds per figure, default 3]
# Without a path it looks for tests/bench_sigv4 in a Release build dir next to the sources
# (configure one with -DCMAKE_BUILD_TYPE=Release -DKINESIS_BUILD_BENCHMARKS=ON).
# Prints "BENCH <name> <value> <unit>" lines, then the two ratios:
#   sigv4_small_vs_botocore  (target >= 30 x)  and  sigv4_large_vs_sha256  (target >= 90 %).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-}
secs=${2:-3}

if [ -z "$bin" ]; then
    for cache in "$root"/build*/CMakeCache.txt; do
        [ -f "$cache" ] || continue
        dir=$(dirname "$cache")
        if grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$cache" && [ -x "$dir/tests/bench_sigv4" ]; then
            bin="$dir/tests/bench_sigv4"
            break
        fi
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "bench_sigv4.sh: no bench_sigv4 binary; give its path or build a Release dir with" \
         "-DKINESIS_BUILD_BENCHMARKS=ON" >&2
    exit 2
fi
if grep -q '^KINESIS_SANITIZE:BOOL=ON$' "$(dirname "$bin")/../CMakeCache.txt" 2>/dev/null; then
    echo "bench_sigv4.sh: warning: $bin is built with sanitizers; figures will be low" >&2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "# $bin, ${secs}s per figure" >&2
"$bin" "$secs" | tee -a "$out"
python3 "$here/bench_sigv4_botocore.py" "$secs" | tee -a "$out"

# openssl speed prints throughput in 1000s of bytes/s; the last column is 16384-byte blocks.
sha=$(openssl speed -seconds 3 sha256 2>/dev/null | awk '$1 == "sha256" { v = $NF; sub(/k$/, "", v); printf "%.0f", v * 1000 }')
if [ -z "$sha" ]; then
    echo "bench_sigv4.sh: could not parse openssl speed output" >&2
    exit 1
fi
echo "BENCH openssl_sha256_16k $sha bytes/s" | tee -a "$out"

awk -v sha="$sha" '
    $1 == "BENCH" && $2 == "sigv4_small" { ours_small = $3 }
    $1 == "BENCH" && $2 == "botocore_sigv4_small" { boto_small = $3 }
    $1 == "BENCH" && $2 == "sigv4_large" { ours_large = $3 }
    END {
        if (boto_small > 0) printf "BENCH sigv4_small_vs_botocore %.1f x\n", ours_small / boto_small
        if (sha > 0) printf "BENCH sigv4_large_vs_sha256 %.1f %%\n", 100 * ours_large * 1e6 / sha
    }' "$out"
