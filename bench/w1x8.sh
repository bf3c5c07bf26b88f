#!/usr/bin/env bash
# w1x8.sh - the speed benchmark, in one invocation: `hetsweep bench` (the DGEMM
# roof and W1x8 in one process with 1 and all threads, as fractions of the
# roof), then W1x8 as a user runs it with mpirun at 1 rank x 1 thread, 2 ranks x
# 1 thread and 1 rank x 2 threads (median wall times of RUNS runs, and the
# ratios), then the same workload in plain numpy (bench/w1x8_numpy.py). Figures
# only: nothing is asserted. Cubes go to a temporary directory, removed at the end.
#
# usage: bench/w1x8.sh [HETSWEEP_BINARY] [RUNS]   (default build/hetsweep, 3)
set -euo pipefail

binary=${1:-build/hetsweep}
runs=${2:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
job="$root/bench/jobs/w1x8.yaml"
source "$root/bench/lib.sh"
if [[ ! -x "$binary" ]]; then
    echo "w1x8.sh: $binary is not an executable hetsweep (build it: scripts/build)" >&2
    exit 2
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/hetsweep-w1x8.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "== hetsweep bench --repeats $runs (roof and whole job in one process)"
"$binary" bench --repeats "$runs"

echo
echo "== W1x8 through mpirun: $runs runs per layout, $(nproc) core(s) here"
printf '%16s  %14s  %s\n' "ranks x threads" "median wall s" "all runs (s)"
declare -A medians
for layout in 1x1 2x1 1x2; do
    ranks=${layout%x*}
    threads=${layout#*x}
    times=()
    for ((run = 1; run <= runs; run++)); do
        # each rank gets as many cores as threads (mpirun binds a rank to one core by default)
        t=$(OMP_NUM_THREADS=$threads timed_run "$out/log" mpirun -np "$ranks" --oversubscribe \
            --map-by "slot:PE=$threads" -x OMP_NUM_THREADS "$binary" run "$job" \
            -o "$out/w1x8.h5" --fresh --quiet) || exit 1
        times+=("$t")
    done
    medians[$layout]=$(median "${times[@]}")
    printf '%16s  %14.3f  %s\n' "$layout" "${medians[$layout]}" "${times[*]}"
done
awk -v a="${medians[1x1]}" -v b="${medians[2x1]}" -v c="${medians[1x2]}" 'BEGIN {
    printf "2 ranks vs 1: %.2fx; 1 rank x 2 threads vs 1 x 1: %.2fx\n", a / b, a / c }'

echo
echo "== the same workload in plain numpy (stimulus and tasks from the cube above)"
/usr/bin/python3 "$root/bench/w1x8_numpy.py" "$out/w1x8.h5"
