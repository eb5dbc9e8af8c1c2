#!/bin/sh
# fuzz/run.sh - run every fuzz target built in a build dir for a while, each on a scratch copy
# of its seed corpus (fuzz/corpus/<name>/), so the seeds in the tree stay as they are.
#   fuzz/run.sh <build dir> [seconds per target, default 30]
# Crashes are kept in <build dir>/fuzz-artifacts/. Exits non-zero when a target failed.
set -u

build=${1:?usage: fuzz/run.sh <build dir> [seconds]}
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
status=0
found=0

for exe in "$build"/fuzz/fuzz_*; do
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    name=$(basename "$exe")
    target=${name#fuzz_}
    found=1
    mkdir -p "$work/$target"
    [ -d "$here/corpus/$target" ] && cp -R "$here/corpus/$target/." "$work/$target/"
    set -- -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-"
    [ -f "$here/$target.dict" ] && set -- "$@" -dict="$here/$target.dict"
    echo "== $name: ${secs}s on $(ls "$work/$target" | wc -l) seeds"
    if ! "$exe" "$@" "$work/$target"; then
        echo "== $name FAILED (artifacts in $artifacts)"
        status=1
    fi
done
if [ "$found" = 0 ]; then
    echo "no fuzz targets in $build/fuzz (configure with CC=clang and -Dfuzz=true)" >&2
    exit 2
fi
exit $status
