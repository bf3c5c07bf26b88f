#!/bin/sh
# bench_cli.sh - `hetsweep bench` runs and exits 0 with --repeats 1 and
# refuses --repeats 0 with the usage exit status 2. Timings are printed by the
# bench but never checked here.
#
# usage: tests/bench_cli.sh HETSWEEP_BINARY
binary=${1:?usage: bench_cli.sh HETSWEEP_BINARY}
job="$(dirname "$0")/jobs/threads.yaml"  # the whole-job table on a job of seconds
out=$(mktemp "${TMPDIR:-/tmp}/hetsweep-bench.XXXXXX")
trap 'rm -f "$out"' EXIT
failed=0

"$binary" bench --repeats 1 --job "$job" >"$out" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL: hetsweep bench --repeats 1 exited $status, expected 0:"
    cat "$out"
    failed=1
elif ! grep -q 'one work item' "$out" || ! grep -q 'whole job threads' "$out" ||
     ! grep -q 'peak RSS' "$out"; then
    echo "FAIL: hetsweep bench --repeats 1 did not print its last table:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --repeats 1 exits 0"
fi

"$binary" bench --repeats 0 >"$out" 2>&1
status=$?
if [ "$status" -ne 2 ]; then
    echo "FAIL: hetsweep bench --repeats 0 exited $status, expected 2:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --repeats 0 exits 2"
fi

"$binary" bench --job /nonexistent/job.yaml >"$out" 2>&1
status=$?
if [ "$status" -ne 2 ] || ! grep -q '/nonexistent/job.yaml' "$out"; then
    echo "FAIL: hetsweep bench --job /nonexistent/job.yaml exited $status, expected 2 naming it:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --job with a missing file exits 2"
fi

exit "$failed"
