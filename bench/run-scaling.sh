#!/usr/bin/env bash
# run-scaling.sh - strong scaling of a whole sweep: runs jobs/demo.yaml with
# 1 and 2 MPI ranks, 3 times each, and prints the median wall time per rank
# count and the speed-up (median at 1 rank / median at 2 ranks). Figures
# only: nothing is asserted. Cubes go to a temporary directory, removed at
# the end.
#
# usage: bench/run-scaling.sh [HETSWEEP_BINARY]   (default build/hetsweep)
set -euo pipefail

binary=${1:-build/hetsweep}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
job="$root/jobs/demo.yaml"
rank_counts=(1 2)
runs=3

if [[ ! -x "$binary" ]]; then
    echo "run-scaling.sh: $binary is not an executable hetsweep (build it: ninja -C build)" >&2
    exit 2
fi
if [[ ! -f "$job" ]]; then
    echo "run-scaling.sh: $job not found" >&2
    exit 2
fi

source "$root/bench/lib.sh"

out=$(mktemp -d "${TMPDIR:-/tmp}/hetsweep-scaling.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "hetsweep scaling: $job, $runs runs per rank count, $(nproc) core(s) here"
echo "binary: $binary ($("$binary" --version))"
printf '%6s  %14s  %s\n' ranks "median wall s" "all runs (s)"
declare -A medians
for ranks in "${rank_counts[@]}"; do
    times=()
    for ((run = 1; run <= runs; run++)); do
        cube="$out/np${ranks}_run${run}.h5"
        t=$(timed_run "$out/log" mpirun -np "$ranks" --oversubscribe "$binary" run "$job" \
            -o "$cube" --fresh --quiet) || exit 1
        times+=("$t")
    done
    medians[$ranks]=$(median "${times[@]}")
    printf '%6s  %14.3f  %s\n' "$ranks" "${medians[$ranks]}" "${times[*]}"
done
first=${rank_counts[0]}
last=${rank_counts[-1]}
awk -v a="${medians[$first]}" -v b="${medians[$last]}" -v p="$first" -v q="$last" \
    'BEGIN { printf "speed-up %d -> %d ranks: %.2fx (median wall time ratio)\n", p, q, a / b }'
if (($(nproc) < last)); then
    echo "note: $last ranks on $(nproc) core(s) are oversubscribed; the ratio says little here"
fi
