#!/usr/bin/env bash
# The exporter's cost at scale: scrape latency served from the last
# snapshot (p50/p99, sequential and 16 concurrent scrapes, refreshes going
# on underneath), the exporter's RSS, and the series count before and after
# the --max-groups cap. loadgen builds the sockets in a private namespace,
# each worker under its own name so every process is a group of its own.
#   bench/exporter.sh [SOCKETS] [PROCS]     default: 100000 2000
#   SCRAPES=2000 bench/exporter.sh
# Run from the build directory. Needs root. Loopback only.
set -euo pipefail
n=${1:-100000}
procs=${2:-2000}
scrapes=${SCRAPES:-2000}
here=$(pwd)
port=$((20000 + RANDOM % 10000))
url=http://127.0.0.1:$port/metrics
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

coproc LOADGEN { exec "$here/bench/loadgen" -n "$n" -p "$procs" --distinct-names --lifetime 1800; }
pids+=("$LOADGEN_PID")
read -r ready <&"${LOADGEN[0]}"
echo "# $ready"

start_exporter() { # args...
	"$here/sktop" --exporter "127.0.0.1:$port" "$@" 2>/dev/null &
	exporter=$!
	pids+=("$exporter")
	for _ in $(seq 600); do curl -sf -o /dev/null "$url" && return 0; sleep 0.1; done
	echo "bench: the exporter did not answer" >&2
	exit 1
}
stop_exporter() { kill "$exporter"; wait "$exporter" 2>/dev/null || true; }
series() { curl -s "$url" | grep -vc '^#'; }
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100+0.5); if(i<1)i=1; printf "%.2f", a[i]*1000}'; }

# -d 1: at this size a refresh takes about as long, so the scrapes below
# run while refreshes compete with them for the CPU (the worst case).
start_exporter -d 1
sleep 3
refresh_idle=$(curl -s "$url" | sed -n 's/^sktop_refresh_duration_seconds //p')
# One curl for the sequential run: no process start between scrapes.
args=()
for _ in $(seq "$scrapes"); do args+=(-o /dev/null "$url"); done
seq_times=$(curl -s -w '%{time_total}\n' "${args[@]}")
par_times=$(seq "$scrapes" | xargs -P 16 -I{} curl -s -o /dev/null -w '%{time_total}\n' "$url")
bytes=$(curl -s "$url" | wc -c)
refresh=$(curl -s "$url" | sed -n 's/^sktop_refresh_duration_seconds //p')
rss=$(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$exporter/status")
hwm=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$exporter/status")
capped=$(series)
stop_exporter
start_exporter -d 15 --per-process
capped_pp=$(series)
stop_exporter
start_exporter -d 15 --max-groups 100000
uncapped=$(series)
stop_exporter
start_exporter -d 15 --max-groups 100000 --per-process
uncapped_pp=$(series)
stop_exporter

cat <<REPORT
# sktop --exporter -d 1 at $n sockets, $procs processes ($(nproc) cores, kernel $(uname -r))
refresh (sktop_refresh_duration_seconds): ${refresh_idle} s before the scrapes, ${refresh} s after them
scrape, sequential ($scrapes):   p50 $(pct 50 <<<"$seq_times") ms  p99 $(pct 99 <<<"$seq_times") ms
scrape, 16 at once ($scrapes):   p50 $(pct 50 <<<"$par_times") ms  p99 $(pct 99 <<<"$par_times") ms
response: $bytes bytes (text format, default cap)
exporter RSS: $rss now, $hwm peak
series, --max-groups 200:            $capped
series, --max-groups 200 --per-process: $capped_pp
series, uncapped:                    $uncapped
series, uncapped --per-process:      $uncapped_pp
REPORT
