#!/bin/sh
# Runs cli_agg_node.js; exit 77 (skip) when node is missing, unless CI=true.
if ! command -v node >/dev/null 2>&1; then
    echo "node not found" >&2
    [ "$CI" = true ] && exit 1
    exit 77
fi
exec node "$(dirname "$0")/cli_agg_node.js" "$@"
