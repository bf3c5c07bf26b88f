#!/bin/sh
# bench_cli.sh - `hetsweep bench` runs and exits 0 with --repeats 1 and
# refuses --repeats 0 with the usage exit status 2; bench/scale.sh prints its
# table and refuses bad options with 2. Timings are printed but never checked.
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

# bench --checkpoint: one checkpoint with 1% new, incremental against a full copy.
tiny="$(dirname "$0")/jobs/tiny.yaml"
"$binary" bench --checkpoint "$tiny" --repeats 1 >"$out" 2>&1
status=$?
if [ "$status" -ne 0 ] || ! grep -q 'incremental / full' "$out"; then
    echo "FAIL: hetsweep bench --checkpoint exited $status, expected 0 and its table:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --checkpoint prints its table"
fi
"$binary" bench --checkpoint "$tiny" --job "$tiny" >"$out" 2>&1
status=$?
if [ "$status" -ne 2 ] || ! grep -q -- '--job and --checkpoint' "$out"; then
    echo "FAIL: hetsweep bench --checkpoint with --job exited $status, expected 2:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --checkpoint with --job exits 2"
fi
"$binary" bench --checkpoint /nonexistent/job.yaml >"$out" 2>&1
status=$?
if [ "$status" -ne 2 ] || ! grep -q '/nonexistent/job.yaml' "$out"; then
    echo "FAIL: hetsweep bench --checkpoint /nonexistent/job.yaml exited $status, expected 2:"
    cat "$out"
    failed=1
else
    echo "ok: hetsweep bench --checkpoint with a missing file exits 2"
fi

# bench/scale.sh: a table on two rank counts of a job of seconds, and its refusals.
scale="$(dirname "$0")/../bench/scale.sh"
bash "$scale" -b "$binary" -j "$tiny" -r "1 2" >"$out" 2>&1
status=$?
if [ "$status" -ne 0 ] || [ "$(grep -c '^ *[12] ' "$out")" -ne 2 ]; then
    echo "FAIL: bench/scale.sh -r '1 2' on tiny.yaml exited $status or printed no two rows:"
    cat "$out"
    failed=1
else
    echo "ok: bench/scale.sh prints a row per rank count"
fi
for args in "-n x" "-b /nonexistent/hetsweep" "-j /nonexistent/job.yaml"; do
    # shellcheck disable=SC2086
    bash "$scale" -b "$binary" $args >"$out" 2>&1
    status=$?
    if [ "$status" -ne 2 ] || ! grep -q 'scale.sh:' "$out"; then
        echo "FAIL: bench/scale.sh $args exited $status, expected 2 with a message:"
        cat "$out"
        failed=1
    else
        echo "ok: bench/scale.sh $args exits 2"
    fi
done

exit "$failed"
