#!/usr/bin/env bash
# Install the build into a temporary prefix, then build and run a program outside the tree
# against it twice: through find_package(kinesis) and through pkg-config. Also checks that the
# shared library exports nothing but kinesis_* symbols.
#   check.sh BUILD_DIR SOURCE_DIR [EXTRA_C_FLAGS]
set -euo pipefail
build=$1
src=$2
extra=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
lib=$(ls "$work"/prefix/lib*/libkinesis.so | head -1)
libdir=$(dirname "$lib")

foreign=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^kinesis_' || true)
if [ -n "$foreign" ]; then
    echo "libkinesis.so exports symbols outside kinesis_*:"; echo "$foreign" | head; exit 1
fi
echo "exports: $(nm -D --defined-only "$lib" | grep -c ' kinesis_') kinesis_* symbols and nothing else"
test -x "$work/prefix/bin/kinesis" || { echo "kinesis CLI not installed"; exit 1; }

cmake -S "$src/tests/package" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/consumer/package_consumer"
"$work/consumer/package_consumer_static"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
pkg-config --exists kinesis
cc $extra "$src/tests/package/main.c" $(pkg-config --cflags --libs kinesis) -o "$work/pc_consumer"
LD_LIBRARY_PATH="$libdir" "$work/pc_consumer"
echo "package: find_package and pkg-config both work"
