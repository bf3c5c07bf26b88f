#!/usr/bin/env bash
# rss.sh - peak RSS against the planner's estimate (issue 9), for a few shapes:
# W1x8 (bench/jobs/w1x8.yaml) with 1 and 2 threads, the same with N = 2000 and
# 2 columns, the same as LIF networks, and tests/jobs/tiny.yaml. Each runs as
# one rank (`hetsweep run`, no mpirun) under /usr/bin/time and under
# bench/malloc_count.c (built here into a temporary directory), which adds the
# heap's own peak: RSS minus that peak is what the libraries hold outside the
# heap. The estimate is what `hetsweep check` prints with the same
# OMP_NUM_THREADS. Prints the largest peak of RUNS runs (memory is not
# timing-noisy: the runs agree to a few hundred KB). Figures only: nothing is
# asserted. Memory figures are in MiB (the unit of `check`).
#
# usage: bench/rss.sh [HETSWEEP_BINARY] [RUNS] [SHORT]   (default build/hetsweep, 1)
#   SHORT=short cuts train_ms to 2000 (the arrays that matter do not grow with T)
set -euo pipefail

binary=${1:-build/hetsweep}
runs=${2:-1}
short=${3:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ! -x "$binary" ]]; then
    echo "rss.sh: $binary is not an executable hetsweep (build it: scripts/build)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
out=$(mktemp -d "${TMPDIR:-/tmp}/hetsweep-rss.XXXXXX")
trap 'rm -rf "$out"' EXIT
source "$root/scripts/mpi-env"
cc -O2 -shared -fPIC "$root/bench/malloc_count.c" -o "$out/malloc_count.so"

w1x8="$root/bench/jobs/w1x8.yaml"
if [[ "$short" == short ]]; then
    sed 's/train_ms: 20000/train_ms: 2000/' "$w1x8" >"$out/w1x8.yaml"
else
    cp "$w1x8" "$out/w1x8.yaml"
fi
sed -e 's/n: \[500\]/n: [2000]/' -e 's/heterogeneity: .*/heterogeneity: [0, 1]/' \
    "$out/w1x8.yaml" >"$out/n2000.yaml"
sed 's/model: \[rate\]/model: [lif]/' "$out/w1x8.yaml" >"$out/lif.yaml"
cp "$root/tests/jobs/tiny.yaml" "$out/tiny.yaml"

# largest peak RSS (KiB) and heap peak (bytes) of $runs runs of job $1 with $2 threads
measure() {
    local job=$1 threads=$2 rss=0 heap=0
    for ((run = 1; run <= runs; run++)); do
        rm -f "$out/count"
        OMP_NUM_THREADS=$threads LD_PRELOAD="$out/malloc_count.so" \
            MALLOC_COUNT_FILE="$out/count" /usr/bin/time -o "$out/time" -f "%M" \
            "$binary" run "$out/$job.yaml" -o "$out/$job.h5" --fresh --quiet >/dev/null
        local r h
        r=$(tail -1 "$out/time")
        # the largest of the processes' lines: the rank's (the cube's probe is a child)
        h=$(awk '$7 > max { max = $7 } END { print max + 0 }' "$out/count")
        ((r > rss)) && rss=$r
        ((h > heap)) && heap=$h
    done
    echo "$rss $heap"
}

printf '%-22s %7s  %9s  %9s  %9s  %8s  %s\n' shape threads "peak RSS" "heap peak" \
    "estimate" "RSS/est" "(MiB; largest of $runs run(s))"
for shape in "w1x8 1" "w1x8 2" "n2000 1" "lif 1" "tiny 1"; do
    read -r job threads <<<"$shape"
    read -r rss heap <<<"$(measure "$job" "$threads")"
    estimate=$(OMP_NUM_THREADS=$threads "$binary" check "$out/$job.yaml" |
        awk '/memory per rank/ {print $5}')
    awk -v job="$job" -v t="$threads" -v rss="$rss" -v heap="$heap" -v est="$estimate" \
        'BEGIN { printf "%-22s %7d  %9.1f  %9.1f  %9.1f  %8.3f\n", job, t, rss / 1024,
                 heap / 1048576, est, rss / 1024 / est }'
done
