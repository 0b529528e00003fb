#!/usr/bin/env bash
# How long a key waits while the TUI refreshes back to back (-d 0.1): runs
# sktop in tmux, switches between the process and socket panes PRESSES
# times, and times each switch from send-keys until the screen shows the
# other pane's column header. A key that waited for a refresh to end shows
# as a latency near the refresh time ("scan N ms" in the header).
#   bench/keylatency.sh SKTOP [NETNS_PID] [PRESSES]
# NETNS_PID: run sktop in that process's network namespace (bench/loadgen's).
# Prints one line: median and max ms, and the scan time the header showed.
set -euo pipefail
sktop=$1
ns_pid=${2:-}
presses=${3:-20}
session=sktop-keylat-$$

command -v tmux >/dev/null || { echo "keylatency: needs tmux" >&2; exit 1; }
run=("$sktop" -d 0.1)
[ -n "$ns_pid" ] && run=(nsenter -t "$ns_pid" -n "${run[@]}")
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
tmux new-session -d -s "$session" -x 200 -y 50 "${run[*]}"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
screen() { tmux capture-pane -p -t "$session" 2>/dev/null || true; }

# The first snapshot (a cold one) comes before the screen does.
deadline=$(( $(now_ms) + 120000 ))
until screen | grep -q '^Sockets '; do
	[ "$(now_ms)" -lt "$deadline" ] || { echo "keylatency: sktop never drew its first screen" >&2; exit 1; }
	sleep 0.05
done

lat=()
for ((i = 0; i < presses; i++)); do
	if ((i % 2 == 0)); then key=2 want='^PROTO STATE'; else key=1 want='^ *PID USER'; fi
	# Land at a random point of the refresh cycle.
	sleep "0.$((RANDOM % 9 + 1))"
	t0=$(now_ms)
	tmux send-keys -t "$session" "$key"
	until screen | grep -q "$want"; do
		[ $(( $(now_ms) - t0 )) -lt 60000 ] || { echo "keylatency: key $key unanswered for 60 s" >&2; exit 1; }
	done
	lat+=($(( $(now_ms) - t0 )))
done
scan=$(screen | sed -n '1s/.*scan \([0-9]*\)ms.*/\1/p')
tmux send-keys -t "$session" q
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
echo "all: ${lat[*]}" >&2
echo "keys: ${#lat[@]}, median $(( sorted[${#sorted[@]} / 2] )) ms, max ${sorted[-1]} ms; refresh (scan) ${scan:-?} ms"
