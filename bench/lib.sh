# lib.sh - shell helpers shared by the bench/ scripts (sourced, not run).

# mpirun as root needs both variables; one BLAS thread per call; --oversubscribe
# lets more ranks than cores start.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1

now() { date +%s.%N; }

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# seconds_of START END: END - START with millisecond digits.
seconds_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# timed_run LOG CMD...: run CMD with output in LOG, print its wall seconds; exit 1
# with the log if it fails.
timed_run() {
    local log=$1 start end
    shift
    start=$(now)
    if ! "$@" >"$log" 2>&1; then
        echo "$(basename "$0"): failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
    end=$(now)
    seconds_of "$start" "$end"
}
