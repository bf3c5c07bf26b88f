#!/usr/bin/env bash
# bigcube.sh - the big-cube path end to end on a sweep of 10^5 tiny networks
# (default bench/jobs/big100k.yaml): runs it on 1 and on 2 ranks; runs it again
# on 1 rank, kills that run with SIGKILL midway and resumes it; runs it as
# PARTS parts (`run --part K/PARTS`, K = 0..PARTS-1, one after the other) and
# merges them; times `status` (text and --json) on the whole cube and on the
# merged one.
# The resumed, merged and 2-rank cubes' /results must equal the 1-rank run's
# bitwise (h5py; wall_seconds aside), and `status` must answer in under a
# second: either failing exits 1. Prints a table of the timings. Cubes go to a
# temporary folder.
#
# usage: bench/bigcube.sh [-b BINARY] [-j JOB] [-p PARTS] [-k KILL_AT]
#   KILL_AT: the fraction of the networks done (by the run's progress lines,
#   every run.progress_every_s) at which the killed run is killed (default 0.5)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=build/hetsweep
job="$root/bench/jobs/big100k.yaml"
parts=8
kill_at=0.5
while getopts "b:j:p:k:h" opt; do
    case $opt in
        b) binary=$OPTARG ;;
        j) job=$OPTARG ;;
        p) parts=$OPTARG ;;
        k) kill_at=$OPTARG ;;
        *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
if [[ ! -x "$binary" ]]; then
    echo "bigcube.sh: $binary is not an executable hetsweep (build it: ninja -C build)" >&2
    exit 2
fi
if [[ ! -f "$job" ]]; then
    echo "bigcube.sh: job file $job not found" >&2
    exit 2
fi
if ! [[ "$parts" =~ ^[1-9][0-9]*$ ]] || ((parts < 2)); then
    echo "bigcube.sh: -p PARTS must be an integer of at least 2 (got '$parts')" >&2
    exit 2
fi
if ! [[ "$kill_at" =~ ^0?\.[0-9]*[1-9][0-9]*$ ]]; then
    echo "bigcube.sh: -k KILL_AT must be a fraction between 0 and 1, e.g. 0.5 (got '$kill_at')" >&2
    exit 2
fi
if ! /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    echo "bigcube.sh: /usr/bin/python3 has no h5py (apt-get install python3-h5py)" >&2
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
source "$root/bench/lib.sh"
export OMP_NUM_THREADS=1

out=$(mktemp -d "${TMPDIR:-/tmp}/hetsweep-bigcube.XXXXXX")
victim=
trap 'if [[ -n "$victim" ]]; then kill -9 "$victim" 2>/dev/null || true; fi; rm -rf "$out"' EXIT

# share KIND LOG: the share of rank time the run's summary gives KIND
share() { grep -h "share of rank time" "$2" | grep -o "$1 [0-9.]*%" | grep -o '[0-9.]*%'; }

# same_results A B: exit 1 naming the datasets of /results that differ
same_results() {
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import sys, h5py
def grab(path):
    out = {}
    with h5py.File(path, "r") as f:
        f["results"].visititems(lambda name, obj: out.__setitem__(name, obj[()].tobytes())
                                if isinstance(obj, h5py.Dataset)
                                and not name.endswith("wall_seconds") else None)
    return out
a, b = grab(sys.argv[1]), grab(sys.argv[2])
bad = sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])
if bad:
    sys.exit(f"bigcube.sh: {sys.argv[2]} differs from {sys.argv[1]} in /results: {bad}")
EOF
}

# status_seconds CUBE [ARGS]: wall seconds of one `status` (the best of 3)
status_seconds() {
    local best= t
    for _ in 1 2 3; do
        t=$(timed_run "$out/status.log" "$binary" status "$@")
        best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    done
    echo "$best"
}

row() { printf '%-44s %10s  %s\n' "$@"; }

echo "hetsweep bigcube: $job, $(getconf _NPROCESSORS_ONLN) core(s) here"
echo "binary: $binary ($("$binary" --version))"
"$binary" check "$job" | grep -E "networks|work items|tasks" | sed 's/^/  /' || true

wall1=$(timed_run "$out/np1.log" "$binary" run "$job" -o "$out/np1.h5")
wall2=$(timed_run "$out/np2.log" mpirun -np 2 --oversubscribe "$binary" run "$job" -o "$out/np2.h5")
same_results "$out/np1.h5" "$out/np2.h5"

# a run killed with SIGKILL once its progress lines report KILL_AT of the
# networks done, then resumed
total=$(grep -o "done: [0-9]*/[0-9]* networks" "$out/np1.log" | sed 's/.*\///; s/ .*//')
started=$(now)
HETSWEEP_PROGRESS_BAR=0 "$binary" run "$job" -o "$out/killed.h5" >"$out/killed.log" 2>&1 &
victim=$!
while kill -0 "$victim" 2>/dev/null; do
    done_now=$(grep -o "[0-9]*/$total networks" "$out/killed.log" | tail -n 1 | cut -d/ -f1 ||
        true)
    awk -v d="${done_now:-0}" -v t="$total" -v f="$kill_at" 'BEGIN { exit !(d >= f * t) }' &&
        break
    sleep 0.1
done
kill -9 "$victim" 2>/dev/null || { echo "bigcube.sh: the run ended before the kill" >&2; exit 1; }
wait "$victim" 2>/dev/null || true
victim=
kill_after=$(seconds_of "$started" "$(now)")
wall_resume=$(timed_run "$out/resume.log" "$binary" run "$job" -o "$out/killed.h5")
resumed_with=$(grep -o "resuming: [0-9]* of [0-9]* networks done ([0-9]* in the cube, [0-9]* from" \
    "$out/resume.log" | sed 's/resuming: //; s/ from$/ from the journals)/' || echo "nothing done before")
same_results "$out/np1.h5" "$out/killed.h5"

# PARTS parts, one after the other, then merged
start=$(now)
names=()
for ((k = 0; k < parts; k++)); do
    timed_run "$out/part$k.log" "$binary" run "$job" -o "$out/part$k.h5" --part "$k/$parts" \
        --quiet >/dev/null
    names+=("$out/part$k.h5")
done
wall_parts=$(seconds_of "$start" "$(now)")
wall_merge=$(timed_run "$out/merge.log" "$binary" merge "$out/merged.h5" "${names[@]}")
same_results "$out/np1.h5" "$out/merged.h5"

status_text=$(status_seconds "$out/np1.h5")
status_json=$(status_seconds "$out/np1.h5" --json)
status_merged=$(status_seconds "$out/merged.h5")

row "step" "wall s" "notes"
row "run, 1 rank" "$wall1" "compute $(share compute "$out/np1.log"), journal $(share journal "$out/np1.log"), checkpoints $(share checkpoints "$out/np1.log")"
row "run, 2 ranks" "$wall2" "compute $(share compute "$out/np2.log"), journal $(share journal "$out/np2.log"), checkpoints $(share checkpoints "$out/np2.log"); /results = 1 rank's"
row "resume after kill -9 at ${kill_after} s" "$wall_resume" "$resumed_with; /results = 1 rank's"
row "$parts parts, one after the other" "$wall_parts" ""
row "merge of $parts parts" "$wall_merge" "/results = 1 rank's"
row "status (text)" "$status_text" "best of 3"
row "status --json" "$status_json" "best of 3"
row "status of the merged cube" "$status_merged" "best of 3"
echo "cube: $(du -h "$out/np1.h5" | cut -f1) on disk"
slow=$(awk -v a="$status_text" -v b="$status_json" -v c="$status_merged" \
    'BEGIN { print (a >= 1 || b >= 1 || c >= 1) ? 1 : 0 }')
if ((slow)); then
    echo "bigcube.sh: status took a second or more" >&2
    exit 1
fi
