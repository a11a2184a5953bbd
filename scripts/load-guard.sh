# Sourced by the benchmarks that compare timings: a busy machine slows the servers they compare
# unequally (nginx more than the frontend), so they refuse to start on one.
#   check_load NAME ALLOW   exits when the 1-minute load average is above the core count,
#                           unless ALLOW is 1 (then it warns: report the load beside figures)
#   load                    the 1-minute load average now
cores=$(nproc)
load() { cut -d' ' -f1 /proc/loadavg; }
check_load() {
    local name=$1 allow=$2 l
    l=$(load)
    if awk -v l="$l" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
        if [ "$allow" = 1 ]; then
            echo "$name: warning: load average $l is above $cores cores; figures are not comparable" >&2
        else
            echo "$name: load average $l is above $cores cores: the machine is busy and the figures would mislead. Wait for a quiet machine (uptime), or pass --allow-load to report anyway with the load beside the figures." >&2
            exit 1
        fi
    fi
}
