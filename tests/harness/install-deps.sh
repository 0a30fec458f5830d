#!/usr/bin/env bash
# Install what libkinesis needs to build and run its tests on Debian 12, as root:
# Debian packages (compiler, sanitizer runtimes, libraries, node, python) and the npm packages of
# the local Kinesis servers into <repo>/.deps/npm. Idempotent: when everything is present it only
# checks (well under a second) and installs nothing. Exits nonzero with a message on failure.
#
# Usage: install-deps.sh [--check]   (--check: report what is missing, install nothing, exit 1 if
# anything is missing)
# Environment: KINESIS_NPM_PREFIX overrides <repo>/.deps/npm (the servers then need
# KINESIS_NODE_MODULES=<prefix>/node_modules).
set -euo pipefail

check_only=
case "${1:-}" in
    --check) check_only=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
npm_prefix=${KINESIS_NPM_PREFIX:-$repo/.deps/npm}
npm_packages=(kinesalite@3.3.3 kinesis-local@0.6.2 aws-kinesis-agg@4.2.8)

say() { echo "install-deps: $*"; }
die() { echo "install-deps: ERROR: $*" >&2; exit 1; }

deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# ---- Debian packages --------------------------------------------------------------------------
# Each entry: package[:command]. A package counts as present when dpkg has it or, for tools that
# may come from elsewhere (e.g. nodejs and npm from NodeSource, python3 from pyenv), when its
# command is on PATH. (NodeSource's nodejs bundles npm and conflicts with Debian's npm package, so
# npm is only asked for when no npm command exists.)
wanted=(cmake:cmake make:make clang:clang pkg-config:pkg-config libcurl4-openssl-dev libssl-dev
        libyajl-dev libcmocka-dev nodejs:node npm:npm python3:python3 openssl:openssl
        python3-pytest)  # pytest for Debian's /usr/bin/python3: the Python binding tests
missing=()
for entry in "${wanted[@]}"; do
    pkg=${entry%%:*}
    cmd=${entry#*:}
    [ "$cmd" = "$entry" ] && cmd=
    if deb_installed "$pkg" || { [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; }; then
        continue
    fi
    missing+=("$pkg")
done

apt_updated=
apt_install() {
    [ -z "$check_only" ] || die "missing Debian packages: $*"
    [ "$(id -u)" = 0 ] || die "need root to install Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$apt_updated" ]; then
        say "apt-get update"
        apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    say "apt-get install $*"
    apt-get install -y -qq --no-install-recommends "$@" || die "apt-get install $* failed"
}

if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

for cmd in cmake make clang pkg-config node npm python3 openssl; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is still not on PATH"
done

# clang's sanitizer and libFuzzer runtimes come from libclang-rt-<major>-dev, which clang only
# recommends: without it -fsanitize=address,undefined or fuzzer fails to link.
clang_rt_ok() {
    local dir arch
    arch=$(uname -m)
    dir=$(clang --print-runtime-dir 2>/dev/null) || return 1
    [ -f "$dir/libclang_rt.asan-$arch.a" ] && [ -f "$dir/libclang_rt.ubsan_standalone-$arch.a" ] &&
        [ -f "$dir/libclang_rt.fuzzer-$arch.a" ]
}
if ! clang_rt_ok; then
    major=$(clang -dumpversion | cut -d. -f1)
    apt_install "libclang-rt-$major-dev"
    clang_rt_ok || die "clang sanitizer runtimes still missing after installing libclang-rt-$major-dev"
fi

# ---- npm packages of the local servers --------------------------------------------------------
npm_version_of() {  # installed version of an npm package in the prefix, or nothing
    node -e 'try { process.stdout.write(require(process.argv[1]).version || "") } catch (e) {}' \
        "$npm_prefix/node_modules/$1/package.json"
}
npm_missing=()
for spec in "${npm_packages[@]}"; do
    name=${spec%@*}
    want=${spec##*@}
    have=$(npm_version_of "$name")
    [ "$have" = "$want" ] || npm_missing+=("$spec${have:+ (have $have)}")
done
if [ ${#npm_missing[@]} -gt 0 ] && [ -n "$check_only" ]; then
    die "missing npm packages in $npm_prefix: ${npm_missing[*]}"
fi
if [ ${#npm_missing[@]} -gt 0 ]; then
    say "npm install into $npm_prefix: ${npm_missing[*]}"
    mkdir -p "$npm_prefix"
    # npm 11 warns that install scripts were not run (leveldown): kinesalite keeps its data in
    # memory (memdown) and leveldown ships prebuilt binaries, so that is harmless.
    npm install --prefix "$npm_prefix" --no-audit --no-fund --loglevel=error "${npm_packages[@]}" \
        || die "npm install failed"
    for spec in "${npm_packages[@]}"; do
        [ "$(npm_version_of "${spec%@*}")" = "${spec##*@}" ] || die "npm did not install $spec"
    done
    # Loading the module catches a broken install now rather than in the first test.
    node -e 'require(process.argv[1])' "$npm_prefix/node_modules/kinesalite" \
        || die "kinesalite does not load from $npm_prefix"
fi

# ---- moto (Python; PyPI is not reachable from these machines, so it cannot be installed here) --
moto_ok=1
if ! command -v moto_server >/dev/null 2>&1; then
    echo "install-deps: WARNING: moto_server is not on PATH; the moto integration tests will be" \
         "skipped (or fail under CI=true). It comes from the Python package moto[server]." >&2
    moto_ok=
fi
if ! python3 -c 'import boto3, botocore' >/dev/null 2>&1; then
    echo "install-deps: WARNING: python3 cannot import boto3/botocore; the harness self-test" \
         "(integration.harness) needs botocore." >&2
    moto_ok=
fi

installed=("${missing[@]:-}")
if [ -z "${installed[*]}" ] && [ ${#npm_missing[@]} -eq 0 ]; then
    say "everything already present${moto_ok:+ (moto_server and boto3 too)}"
else
    say "done${moto_ok:+ (moto_server and boto3 present)}"
fi
