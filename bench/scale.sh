#!/usr/bin/env bash
# scale.sh - where a sweep's rank time goes as ranks are added: runs a job
# (default bench/jobs/scale512.yaml: 512 small networks, 64 items) with each
# rank count (oversubscribed beyond the cores), RUNS times each, and prints for
# the run of median wall time the shares of rank time that `run`'s closing
# summary reports: compute, journal, checkpoints, scheduling waits, idle
# (waiting for other ranks) and the rest, plus the overhead (everything but
# compute). Figures only: nothing is asserted. Cubes go to a temporary folder.
#
# usage: bench/scale.sh [-b BINARY] [-j JOB] [-r "1 2 4 8 16 32"] [-n RUNS]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=build/hetsweep
job="$root/bench/jobs/scale512.yaml"
rank_counts="1 2 4 8 16 32"
runs=1
while getopts "b:j:r:n:h" opt; do
    case $opt in
        b) binary=$OPTARG ;;
        j) job=$OPTARG ;;
        r) rank_counts=$OPTARG ;;
        n) runs=$OPTARG ;;
        *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
if [[ ! -x "$binary" ]]; then
    echo "scale.sh: $binary is not an executable hetsweep (build it: ninja -C build)" >&2
    exit 2
fi
if [[ ! -f "$job" ]]; then
    echo "scale.sh: job file $job not found" >&2
    exit 2
fi
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
    echo "scale.sh: -n RUNS must be a positive integer (got '$runs')" >&2
    exit 2
fi
source "$root/bench/lib.sh"
export OMP_NUM_THREADS=1

out=$(mktemp -d "${TMPDIR:-/tmp}/hetsweep-scale.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "hetsweep scale: $job, $runs run(s) per rank count, $(getconf _NPROCESSORS_ONLN) core(s) here"
echo "binary: $binary ($("$binary" --version))"
printf '%6s %8s %8s %8s %8s %12s %11s %8s %7s %9s\n' ranks "wall s" speed-up compute journal \
    checkpoints "sched wait" idle rest overhead
first_wall=
for ranks in $rank_counts; do
    declare -a walls=() logs=()
    for ((run = 1; run <= runs; run++)); do
        log="$out/np${ranks}_$run.log"
        t=$(timed_run "$log" mpirun -np "$ranks" --oversubscribe "$binary" run "$job" \
            -o "$out/np${ranks}_$run.h5" --fresh) || exit 1
        walls+=("$t")
        logs+=("$log")
    done
    med=$(median "${walls[@]}")
    first_wall=${first_wall:-$med}
    for ((i = 0; i < runs; i++)); do # the run whose wall time is the median
        [[ "${walls[$i]}" == "$med" ]] && pick=${logs[$i]} && break
        pick=${logs[$i]}
    done
    grep -h "share of rank time" "$pick" | sed 's/[^0-9.]\+/ /g' |
        awk -v r="$ranks" -v w="$med" -v w1="$first_wall" \
        '{ printf "%6d %8.2f %7.2fx %7.1f%% %7.1f%% %11.1f%% %10.1f%% %7.1f%% %6.1f%% %8.1f%%\n",
           r, w, w1 / w, $1, $2, $3, $4, $5, $6, 100 - $1 }'
done
echo "speed-up: median wall time of the first rank count over this one's; shares are of rank"
echo "time (wall x ranks) in the run of median wall time; overhead = 100% - compute"
if (($(getconf _NPROCESSORS_ONLN) < ${rank_counts##* })); then
    echo "note: rank counts above $(getconf _NPROCESSORS_ONLN) are oversubscribed on this machine"
fi
