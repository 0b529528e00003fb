#!/usr/bin/env bash
# make bench: sktop against ss, lsof, netstat and the floor programs, side by
# side in one run, on N real loopback sockets in a private namespace; then
# the TUI's sort (bench/viewsort) on a synthesized million-socket snapshot.
#   bench/run.sh [SOCKETS...]       default: 10000 100000 (add 1000000 on request)
#   RUNS=5 PROCS=16 bench/run.sh
# Run from the build directory (make bench does). Needs root. Writes
# bench/results/RESULTS.md in the build directory and prints it.
set -euo pipefail
sizes=${*:-"10000 100000"}
runs=${RUNS:-5}
procs=${PROCS:-16}
here=$(pwd)
mkdir -p bench/results
out=bench/results/RESULTS.md

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces, every fd table)" >&2; exit 1; }
for tool in ss lsof netstat /usr/bin/time nsenter; do
	command -v "$tool" >/dev/null || { echo "bench: missing $tool (apt-get install iproute2 lsof net-tools time util-linux)" >&2; exit 1; }
done

# Wall time of a command in ms (nanosecond clock), output discarded.
wall_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Max RSS in KiB of one run.
rss_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

# The empty namespaces of the namespace row go even when a step fails.
nspids=()
trap '[ ${#nspids[@]} -eq 0 ] || kill "${nspids[@]}" 2>/dev/null || true' EXIT

declare -A row_ms row_rss
order=()
measure() { # name cmd...
	local name=$1; shift
	local t=() i
	for ((i = 0; i < runs; i++)); do t+=("$(wall_ms "$@")"); done
	row_ms[$name]=$(median "${t[@]}")
	row_rss[$name]=$(rss_kib "$@")
	[[ " ${order[*]} " == *" $name "* ]] || order+=("$name")
}

# Steady refresh: (n refreshes back to back - 1 refresh) / (n - 1), per run.
measure_steady() { # name n cmd...
	local name=$1 n=$2; shift 2
	local t=() i a b
	for ((i = 0; i < runs; i++)); do
		a=$(wall_ms "$@" -n 1)
		b=$(wall_ms "$@" -n "$n" -d 0)
		t+=("$(( (b - a) / (n - 1) ))")
	done
	row_ms[$name]=$(median "${t[@]}")
	row_rss[$name]=$(rss_kib "$@" -n "$n" -d 0)
	[[ " ${order[*]} " == *" $name "* ]] || order+=("$name")
}

floor_ms() { # mode: median of the program's own total
	local t=() i
	for ((i = 0; i < runs; i++)); do
		t+=("$($ns "$here/bench/floor" --scan "$1" | sed -n 's/^ms=\([0-9]*\).*/\1/p')")
	done
	median "${t[@]}"
}

{
	echo "# sktop benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) cores, $procs processes, median of $runs runs."
	echo "Ratios are against \`ss -tanpm\` and against the floor measured in the same run."
	echo
} >"$out"

for n in $sizes; do
	coproc LOADGEN { exec "$here/bench/loadgen" -n "$n" -p "$procs" --lifetime 1800; }
	read -r ready <&"${LOADGEN[0]}"
	pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$ready")
	ns="nsenter -t $pid -n"
	echo "bench: $ready" >&2

	row_ms=(); row_rss=(); order=()
	row_ms[floor_dump]=$(floor_ms none)
	row_ms[floor_scan]=$(floor_ms full)
	row_ms[floor_list]=$(floor_ms list)
	measure "sktop -b -n 1 (cold, text)" $ns "$here/sktop" -b -n 1
	measure "sktop -b -n 1 --json (cold)" $ns "$here/sktop" -b -n 1 --json
	measure "sktop -b -n 1 --no-bpf (cold, text)" $ns "$here/sktop" -b -n 1 --no-bpf
	measure_steady "sktop steady refresh (text)" 6 $ns "$here/sktop" -b
	measure_steady "sktop steady refresh (--json)" 6 $ns "$here/sktop" -b --json
	# Issue #12 item 5: the refresh's cost should not grow with namespaces
	# that hold no socket (engine.c's gate). 100 `unshare -n sleep`, against
	# the steady refresh above, same run; removed right after.
	nspids=()
	for ((i = 0; i < 100; i++)); do unshare -n sleep 1800 & nspids+=($!); done
	for p in "${nspids[@]}"; do # ready once sleep runs in its namespace
		until [ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ]; do sleep 0.01; done
	done
	measure_steady "sktop steady refresh, 100 empty netns (text)" 6 $ns "$here/sktop" -b
	kill "${nspids[@]}"
	wait "${nspids[@]}" 2>/dev/null || true
	nspids=()
	# A node's pods: 100 namespaces with a listener and a connection each,
	# all held by fds (the iterator's TCP rows spare them their dumps).
	pods=$(mktemp -d)
	for ((i = 0; i < 100; i++)); do
		sleep 1800 | "$here/bench/loadgen" -n 4 -p 1 --close-wait 0 --time-wait 0 --closed 0 \
			--lifetime 1800 >"$pods/$i" & nspids+=($!)
	done
	for ((i = 0; i < 100; i++)); do
		until grep -q READY "$pods/$i" 2>/dev/null; do sleep 0.01; done
	done
	measure_steady "sktop steady refresh, 100 netns with sockets (text)" 6 $ns "$here/sktop" -b
	pkill -P $$ -x sleep || true # their stdin ends: every loadgen exits
	wait "${nspids[@]}" 2>/dev/null || true
	rm -rf "$pods"
	nspids=()
	measure "ss -tanpm" $ns ss -tanpm
	measure "ss -tan" $ns ss -tan
	measure "lsof -n -P -iTCP" $ns lsof -n -P -iTCP
	measure "netstat -tanp" $ns netstat -tanp

	ss_ms=${row_ms["ss -tanpm"]}
	{
		echo "## $n sockets"
		echo
		echo "Floors: kernel dump alone ${row_ms[floor_dump]} ms; dump + full /proc fd scan ${row_ms[floor_scan]} ms; dump + fd directory listing ${row_ms[floor_list]} ms."
		echo
		awk -v a="${row_ms["sktop steady refresh, 100 empty netns (text)"]}" \
			-v b="${row_ms["sktop steady refresh (text)"]}" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
			'BEGIN { printf "Namespaces: steady refresh with 100 extra empty namespaces %d ms, without %d ms: %.2fx (load average %s).\n", a, b, (b ? a/b : 0), load }'
		awk -v a="${row_ms["sktop steady refresh, 100 netns with sockets (text)"]}" \
			-v b="${row_ms["sktop steady refresh (text)"]}" \
			'BEGIN { printf "Namespaces: steady refresh with 100 extra namespaces of 4 fd-held sockets each %d ms: %.2fx.\n", a, (b ? a/b : 0) }'
		echo
		echo "| command | median ms | vs ss -tanpm | vs floor | max RSS KiB |"
		echo "|---|---:|---:|---:|---:|"
		for name in "${order[@]}"; do
			ms=${row_ms[$name]}
			case $name in
			*steady*) floor=${row_ms[floor_list]} ;;
			*) floor=${row_ms[floor_scan]} ;;
			esac
			awk -v name="$name" -v ms="$ms" -v ss="$ss_ms" -v fl="$floor" -v rss="${row_rss[$name]}" \
				'BEGIN { printf "| `%s` | %d | %.2fx | %.2fx | %s |\n", name, ms, (ss ? ms/ss : 0), (fl ? ms/fl : 0), rss }'
		done
		echo
		# Owners alone, by each path; the BPF load is paid once per start.
		echo "Owner lookup (\`bench/owners -r $runs\`, ms, median and fastest): $("$here/bench/owners" -r "$runs" | tr '\n' ' ')"
		echo
		# Keys while refreshes run back to back (needs tmux; skipped without).
		if command -v tmux >/dev/null; then
			echo "TUI key latency while refreshing (\`bench/keylatency.sh\`, -d 0.1, 20 pane switches): $("$(dirname "$0")/keylatency.sh" "$here/sktop" "$pid" 20 | tail -1)"
			echo
		fi
	} >>"$out"
	exec {LOADGEN[1]}>&-
	wait "$LOADGEN_PID" 2>/dev/null || true
done

# The TUI rebuilds and sorts its rows on every sort key, filter change and
# refresh: timed in memory at a million rows whatever the sizes above.
{
	echo "## Sorting in the TUI"
	echo
	echo "\`bench/viewsort -n 1000000 -p 64\`: \`sk_view_build\` on a synthesized snapshot of 1,000,000 TCP sockets over 64 processes (no kernel), median of $runs runs; issue 5's target is 100 ms."
	echo
	"$here/bench/viewsort" -n 1000000 -p 64 -r "$runs"
	echo
} >>"$out"
cat "$out"
