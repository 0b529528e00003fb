#!/usr/bin/env bash
# Screen tests of the TUI, driven the way a person drives it: sktop runs in
# a detached tmux of a given size, keys go in with send-keys, and what is on
# the screen comes back with capture-pane. The leak is real: leakgen builds
# CLOSE_WAIT, closed fds, a Recv-Q pile and FIN_WAIT1 orphans on loopback in
# a private network namespace (it never sends anywhere else).
#
# Needs root (other namespaces, every fd table), tmux, and the built sktop
# and tests/helpers/leakgen; skips (exit 77) without them.
#   SKTOP_BUILDDIR=build/default tests/tui/screen_test.sh
# Keep the captures: SKTOP_SCREEN_KEEP=1 (the K confirmation is
# K-confirmation.txt).
set -u

# Nothing from the caller's environment: a fresh machine, cron or env -i has
# no UTF-8 locale, and a terminal of its own. The checks below match "×" as
# bytes, and tmux is told (-u) that the panes speak UTF-8; each sktop gets
# the locale and TERM its check is about.
unset LANG LANGUAGE LC_CTYPE LC_MESSAGES LC_COLLATE LC_NUMERIC LC_TIME LC_MONETARY NO_COLOR
export LC_ALL=C TERM=xterm

# Absolute: nsenter -m below starts in the namespace's root, not here.
builddir=$(cd "${SKTOP_BUILDDIR:-.}" && pwd)
sktop=$builddir/sktop
leakgen=$builddir/tests/helpers/leakgen
CW=77 CLOSED=9 FINWAIT1=3 RECVQ=2000000 PORT=$((20000 + $$ % 20000))

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v tmux >/dev/null || skip "needs tmux"
[ -x "$sktop" ] || skip "no $sktop (set SKTOP_BUILDDIR)"
[ -x "$leakgen" ] || skip "no $leakgen"

# Orphans are limited machine-wide: not while another build's test_rules
# lowers the limit (tests/hermetic.h).
exec 9>>/tmp/sktop-tests-machine.lock
chmod 666 /tmp/sktop-tests-machine.lock 2>/dev/null
command -v flock >/dev/null && flock -s 9

tmp=$(mktemp -d /tmp/sktop-screen.XXXXXX)
# Nor may the caller's home: no sktoprc or other dotfile of theirs is read.
export HOME="$tmp" XDG_CONFIG_HOME="$tmp/.config"
sock="sktop-screen-$$"
# -f /dev/null: the caller's ~/.tmux.conf (status line, base-index, default
# terminal) must not shape what the captures show.
T() { tmux -u -f /dev/null -L "$sock" "$@"; }
pass=0 fail=0
S=s # the tmux session the helpers talk to

nsinit=
cleanup() {
	exec 3>&- 4>&- 2>/dev/null      # leakgen exits when its stdin closes
	T kill-server 2>/dev/null
	# The pid namespace's init shell ignores the hangup (init does): the
	# namespace, with whatever is left in it, goes with a SIGKILL.
	[ -n "$nsinit" ] && kill -KILL "$nsinit" 2>/dev/null
	if [ "${SKTOP_SCREEN_KEEP:-0}" = 1 ]; then echo "captures kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
# Killed (a make check interrupted): still clean up, leaving no tmux server
# and no leak behind.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	[ -f "$tmp/screen" ] && sed 's/^/    | /' "$tmp/screen"
}
capture() { T capture-pane -p -t "$S" >"$tmp/screen"; }
# A check is retried on fresh captures for a few seconds: on a busy machine
# a refresh can hold the keys back for a while.
check() {
	local deadline=$((SECONDS + ${3:-8}))
	while :; do
		if eval "$2"; then ok "$1"; return; fi
		[ $SECONDS -ge $deadline ] && break
		sleep 0.3
		capture
	done
	not_ok "$1"
}
# Waits until the screen matches a regex (up to $2 seconds).
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -le $deadline ]; do
		capture
		grep -Eq -- "$1" "$tmp/screen" && return 0
		sleep 0.2
	done
	return 1
}
# No sleep after the keys: every check polls the screen for what it expects.
keys() { T send-keys -t "$S" "$@"; capture; }
# The first list row: the line after the column titles.
first_row() { awk '/^ *PID .*COMMAND/ { getline; print; exit }' "$tmp/screen"; }

# --- the leak, and sktop beside it ---------------------------------------------------------
# Both run in a pid namespace of their own (with its own /proc): sktop sees
# the leaker and nothing else a busy CI machine runs, so "on top" is about
# the leak and not about the neighbours. The leak's sockets live in
# leakgen's own network namespace, which sktop enters as it does on a host.
# sktop starts once leakgen says READY: the leak is then complete and holds
# still, so its growth is 0/m (a refresh of a half-built leak is growth).
# The machine's kernel log is every test's (lowering tcp_max_orphans makes the
# kernel complain): sktop reads /dev/null instead, so the findings are this leak's.
mkfifo "$tmp/in" "$tmp/in2"
exec 3<>"$tmp/in"   # held open: leakgen exits when the test closes it
exec 4<>"$tmp/in2"
# The victim of F9: a second leakgen whose argv[0] is not its name, so the
# process pane must show both (comm, then the command line).
cat >"$tmp/victim.sh" <<EOV
exec -a sktop-victim "$leakgen" --unshare --port $((PORT + 20)) --estab 2 --lifetime 300 \
	<"$tmp/in2" >"$tmp/ready2" 2>"$tmp/victim.err"
EOV
T new-session -d -s s -x 120 -y 40 "unshare --pid --fork --mount-proc sh -c '\
	\"$leakgen\" --unshare --port $PORT --close-wait $CW --closed $CLOSED \
	--finwait1 $FINWAIT1 --recvq $RECVQ --lifetime 300 <\"$tmp/in\" >\"$tmp/ready\" \
	2>\"$tmp/leakgen.err\" & bash \"$tmp/victim.sh\" & \
	for i in \$(seq 100); do grep -q READY \"$tmp/ready\" && grep -q READY \"$tmp/ready2\" && break; sleep 0.1; done; \
	env LC_ALL=C.UTF-8 \"$sktop\" -d 2 --kmsg /dev/null --snapshot-dir \"$tmp\"; \
	echo EXIT=\$?; stty -a >\"$tmp/stty\"; sleep 600' || echo UNSHARE-FAILED; sleep 600"
for _ in $(seq 75); do grep -q READY "$tmp/ready" 2>/dev/null && break; sleep 0.2; done
read -r _ leaker _ _ <"$tmp/ready" 2>/dev/null || true
leaker=${leaker#leaker=}
if ! [ "${leaker:-0}" -gt 0 ] 2>/dev/null; then
	capture
	grep -q UNSHARE-FAILED "$tmp/screen" && skip "cannot unshare a pid namespace here"
	grep -qi "permitted\|unshare" "$tmp/leakgen.err" 2>/dev/null &&
		skip "cannot unshare a network namespace here"
	cat "$tmp/leakgen.err" "$tmp/screen" 2>/dev/null
	echo "not ok - leakgen did not get ready"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "# leakgen ready: leaker pid $leaker (in the test's pid namespace), port $PORT"
# Every later sktop joins the same pid namespace and /proc: the machine's
# other processes (a benchmark with a million sockets, say) are not its to
# scan, and cannot slow or change what a check sees.
nspid=$(pgrep -f -- "^$leakgen --unshare --port $PORT " | head -1)
[ -n "$nspid" ] || { echo "not ok - leakgen's pid not found"; exit 1; }
nsinit=$(ps -o ppid= -p "$nspid" | tr -d ' ')
# -r: the target's root too. setns() to a mount namespace puts us at that
# namespace's root, which is not ours when this runs in a chroot (a fresh
# root being tried out): the binaries would not be found.
NS="nsenter -t $nspid -p -m -r"

# --- 1: start wide: something is wrong, so the findings come first ----------------------------
wait_for "close_wait +leakgen\\[$leaker\\]" 15
check "the findings pane comes first and names the leaker" \
	"grep -Eq 'close_wait +leakgen\\[$leaker\\]: CLOSE_WAIT held' '$tmp/screen'"
check "the title line is there" "grep -q '^sktop ' '$tmp/screen'"
keys Enter
# The top finding is the CLOSE_WAIT pile, or the reader whose window is shut
# (recv_stuck turns critical once its queue is seen not to shrink): either
# way Enter lists that finding's own sockets.
check "Enter on the top finding lists its sockets" \
	"grep -Eq 'CLOSE_WAIT .*127\\.0\\.0\\.1:$PORT |recv_stuck: .*1 socket' '$tmp/screen' &&
	 grep -Eq 'CLOSE_WAIT .*127\\.0\\.0\\.1:$PORT |ESTAB .*127\\.0\\.0\\.1:$((PORT + 1)) ' '$tmp/screen'"
keys Escape
# --- the leaker tops the CLOSE_WAIT sort ------------------------------------------------------
# The leaker's CLOSE_WAITs are in the table after the first refresh or two.
wait_for "^ *$leaker .*leakgen" 10
keys c
check "after c the leaker is the top row" "first_row | grep -Eq '^ *$leaker .* $CW .*leakgen'"
check "the state histogram shows the pile" "grep -Eq 'CLOSE_WAIT [0-9]+' '$tmp/screen'"

# --- 2: resize to 80x24, the header stays legible -------------------------------------------
T resize-window -t "$S" -x 80 -y 24
wait_for "^Orphans  \\[" 10
check "80x24: title line names the host" "head -1 '$tmp/screen' | grep -q '^sktop '"
check "80x24: meters are there" "grep -q 'Orphans  \\[' '$tmp/screen' && grep -q 'TCP mem  \\[' '$tmp/screen'"
check "80x24: the TCP line keeps CLOSE_WAIT, closed, orphans" \
	"grep -E '^TCP ' '$tmp/screen' | grep -q 'CLOSE_WAIT' && grep -E '^TCP ' '$tmp/screen' | grep -q 'closed' && grep -E '^TCP ' '$tmp/screen' | grep -q 'orphans'"
check "80x24: columns and COMMAND fit" "grep -Eq '^ +PID .*CLOSE_WAIT .*COMMAND' '$tmp/screen'"
check "80x24: still sorted, leaker on top" "first_row | grep -q 'leakgen'"
# --- growth: the GROW/m column, its sort key, the trend line ------------------------------------
# The leak is built before sktop starts and then holds still: its growth
# is 0/m once two refreshes a second apart are in the history.
check "80x24: the GROW/m column is there beside the leak columns" \
	"grep -Eq '^ +PID .*CLOSE_WAIT .*GROW/m .*COMMAND' '$tmp/screen'"
check "80x24: the Trend line plots the leaker's CLOSE_WAIT" \
	"grep -Eq '^Trend +leakgen\\[$leaker\\] CLOSE_WAIT last [0-9]+[sm] .* 0/m' '$tmp/screen'"
keys G
check "G sorts by growth: the arrow moves to GROW/m" \
	"grep -Eq '^ +PID .*CLOSE_WAIT .*▼GROW/m .*COMMAND' '$tmp/screen'"
check "G says what it ranks" "tail -1 '$tmp/screen' | grep -q 'Sorted by CLOSE_WAIT growth per minute'"
keys c
check "c sorts by CLOSE_WAIT again, leaker on top" \
	"first_row | grep -q 'leakgen' && grep -Eq '^ +PID .* GROW/m' '$tmp/screen'"
check "80x24: the bottom line shows how to quit" "tail -1 '$tmp/screen' | grep -q 'q Quit'"

# --- the finding in full: F3 finds the CLOSE_WAIT finding, Enter opens it ---------------------
keys 5
keys Home
keys F3 c l o s e _ w a i t Enter
keys Enter
wait_for "^Next step:" 5
check "80x24: Enter on a finding shows it in full" \
	"grep -Eq '^Finding: +warning close_wait: leakgen\\[$leaker\\]: CLOSE_WAIT held' '$tmp/screen'"
# Its next step ends with the ss command for the leaker's port: the last
# words of the text are on screen, not cut at the edge.
check "80x24: the finding's next step is there to its last word" \
	"sed -n '/^Next step:/,/^1 Procs/p' '$tmp/screen' | tr -s ' \\n' ' ' | grep -Fq \"ss -tanp state close-wait '( sport = :$PORT )'\""
check "80x24: below the finding, its sockets" "grep -Eq '^CLOSE_WAIT .*127\\.0\\.0\\.1:$PORT' '$tmp/screen'"
[ -n "${SKTOP_SCREEN_KEEP:-}" ] && cp "$tmp/screen" "$tmp/capture-finding.txt"
keys Escape
keys Escape

# --- the process pane names the process; F9 signals it ----------------------------------------
read -r _ victim _ _ <"$tmp/ready2" 2>/dev/null || true
victim=${victim#leaker=}
# Only in this test's pid namespace: a second copy of the suite running
# beside this one has a victim of the same name, and its F9 kills it.
vpid=$(pgrep --ns "$nspid" --nslist pid -o -f '^sktop-victim ' || true)
keys 1
keys N
keys Home
keys F3 s k t o p - v i c t i m Enter
check "80x24: COMMAND shows the name, then the command line" \
	"grep -Eq '^ *$victim .* leakgen: sktop-' '$tmp/screen'"
[ -n "${SKTOP_SCREEN_KEEP:-}" ] && cp "$tmp/screen" "$tmp/capture-procs.txt"
keys F9
check "F9 asks, naming the pid and the process" \
	"grep -Eq 'Send a signal to $victim \\(leakgen\\)\\? Enter sends, Esc cancels' '$tmp/screen' && grep -Eq '^ +15 SIGTERM' '$tmp/screen'"
[ -n "${SKTOP_SCREEN_KEEP:-}" ] && cp "$tmp/screen" "$tmp/capture-f9.txt"
keys Escape
check "F9 then Esc: no signal, the process lives" \
	"tail -1 '$tmp/screen' | grep -q 'No signal sent' && [ -n '$vpid' ] && kill -0 '$vpid'"
alive() { [ -d "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
keys F9
keys Enter
check "F9 then Enter: SIGTERM sent and said" "grep -q 'Sent SIGTERM to $victim (leakgen)' '$tmp/screen'"
check "F9 then Enter: the process is gone" "! alive '$vpid'" 10
keys 1
keys c
keys Home

# --- 3: Enter shows its CLOSE_WAIT four-tuples -----------------------------------------------
keys Enter
wait_for "leakgen\\[$leaker\\]: [0-9]+ sockets" 5
tuples() { grep -Ec "^tcp +CLOSE_WAIT .*127\\.0\\.0\\.1:$PORT +127\\.0\\.0\\.1:[0-9]+" "$tmp/screen"; }
check "Enter lists at least 10 CLOSE_WAIT four-tuples on port $PORT" "[ \$(tuples) -ge 10 ]"
# AGE (issue #12): time in state, beside STATE. A live engine always keeps
# a lifecycle (the BPF store, or estimates from tcp_info), so the column is
# always there: not gated on the title's "ages", which a long host name or a
# warning can push past 80 columns, and whose loss would skip these checks.
aged() { grep -Ec "^tcp +CLOSE_WAIT +~?[0-9]+[smhd][0-9smh]* " "$tmp/screen"; }
check "80x24: the AGE column follows STATE" "grep -Eq '^PROTO +STATE[^ ]* +AGE ' '$tmp/screen'"
check "80x24: the CLOSE_WAIT rows say how long they have been in it" "[ \$(aged) -ge 1 ]"
keys g
check "g groups them: CLOSE_WAIT x $CW from 127.0.0.1" \
	"grep -Eq '(x|×)$CW +CLOSE_WAIT +127\\.0\\.0\\.1 ' '$tmp/screen'"
keys Enter
check "Enter on the group lists its members" "grep -Eq 'CLOSE_WAIT (x|×) $CW from 127\\.0\\.0\\.1' '$tmp/screen'"
keys Enter
check "Enter on a socket shows its details" "grep -q 'not called close()' '$tmp/screen'"
keys Escape
keys Escape
keys Escape
check "Esc goes back up to the processes" "grep -Eq '^ +PID .*COMMAND' '$tmp/screen'"

# --- 4: closed fds and orphans -----------------------------------------------------------------
keys l
check "after l the leaker tops CLOSED" "first_row | grep -Eq '^ *$leaker .*leakgen'"
keys 4
wait_for "FIN_WAIT1" 5
check "orphans pane: FIN_WAIT1 orphans on the leaker's port" \
	"grep -Eq 'FIN_WAIT1 .*leakgen\\[$leaker\\] via :$((PORT + 2))' '$tmp/screen'"
keys 1

# --- 5: the snapshot key ------------------------------------------------------------------------
keys s
wait_for "Saved " 5
json=$(ls "$tmp"/sktop-*.json 2>/dev/null | head -1)
txt=${json%.json}.txt
check "s reports the path on the bottom line" "tail -1 '$tmp/screen' | grep -q 'Saved $tmp/sktop-'"
check "s writes the JSON snapshot, mode 0600" "[ -f '$json' ] && [ \"\$(stat -c %a '$json')\" = 600 ]"
check "s writes the text screen, mode 0600" "[ -f '$txt' ] && [ \"\$(stat -c %a '$txt')\" = 600 ]"
check "the JSON names the leaker" "grep -q '\"pid\":$leaker,' '$json'"
check "the text has the header and the leaker's row" \
	"grep -q '^sktop ' '$txt' && grep -Eq '^ *$leaker .*leakgen' '$txt'"
before=$(ls "$tmp"/sktop-*.json | wc -l)
keys s
check "a second s never overwrites: a new pair" "[ \$(ls '$tmp'/sktop-*.json | wc -l) -gt $before ]"

# --- 6: pause, filter, help ---------------------------------------------------------------------
keys p
check "p pauses and says so" "head -1 '$tmp/screen' | grep -q PAUSED"
t1=$(head -1 "$tmp/screen")
sleep 2.2
capture
check "paused: the screen holds still" "[ \"\$(head -1 '$tmp/screen')\" = \"$t1\" ]" 0
keys p
keys / l e a k
check "the filter narrows to the leaker as it is typed" \
	"first_row | grep -q leakgen && grep -q 'filter \"leak\"' '$tmp/screen'"
keys Enter Escape
keys h
check "h shows the help" "grep -q 'Moving around' '$tmp/screen'"
keys x

# --- 6b: K destroys a group of CLOSE_WAIT sockets, after a confirmation -------------------------
# ss runs in the leak's network namespace, through any host process in it.
ss_leak() {
	local ino p
	ino=$(sed -n 's/.*netns=\([0-9]*\).*/\1/p' "$tmp/ready")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "net:[$ino]" ] || continue
		nsenter -t "${p#/proc/}" -n ss -Htan "$@" && return
	done
	return 1
}
cw_before=$(ss_leak state close-wait | grep -c ":$PORT ")
est_before=$(ss_leak state established | sort)
keys c
keys Enter
wait_for "leakgen\\[$leaker\\]: [0-9]+ sockets" 5
keys g
wait_for "[x×]$CW +CLOSE_WAIT +127\\.0\\.0\\.1 " 5
keys K
check "K on the group asks first: how many, states, owners" \
	"grep -Eq 'Destroy $CW sockets\\? CLOSE_WAIT x $CW from 127\\.0\\.0\\.1' '$tmp/screen' && grep -Eq 'states +CLOSE_WAIT $CW' '$tmp/screen' && grep -Eq 'owners +leakgen\\[$leaker\\] $CW' '$tmp/screen'"
check "the confirmation warns that the fd leak stays the process's" \
	"grep -q \"a CLOSE_WAIT's fd stays open in its process\" '$tmp/screen'"
cp "$tmp/screen" "$tmp/K-confirmation.txt"
keys n
check "any other key cancels: nothing destroyed" \
	"tail -1 '$tmp/screen' | grep -q 'Nothing destroyed' && [ \"\$(ss_leak state close-wait | grep -c ':$PORT ')\" = '$cw_before' ]"
keys K
wait_for "Destroy $CW sockets" 5
keys y
check "y destroys the group: the status line says how many" \
	"tail -1 '$tmp/screen' | grep -q 'Destroyed $CW of $CW sockets'"
check "ss: the $cw_before CLOSE_WAIT sockets on :$PORT are gone" \
	"[ '$cw_before' = '$CW' ] && [ \"\$(ss_leak state close-wait | grep -c ':$PORT ')\" = 0 ]"
check "ss: the established connections are untouched" \
	"[ \"\$(ss_leak state established | sort)\" = \"\$est_before\" ]"
keys Escape
keys Escape

# --- 7: q exits 0 and gives the terminal back ----------------------------------------------------
keys q
wait_for "EXIT=" 5
check "q exits 0" "grep -q 'EXIT=0' '$tmp/screen'"
for _ in $(seq 20); do [ -s "$tmp/stty" ] && break; sleep 0.2; done
check "the terminal is back in cooked mode with echo" \
	"grep -Eq '(^| )icanon' '$tmp/stty' && grep -Eq '(^| )echo( |$)' '$tmp/stty'"
# --- 8: vt100 and NO_COLOR: ASCII only, still usable --------------------------------------------
# A second session of the same server (killing the first could race the
# server's exit against the next new-session).
S=v
# Ctrl-C reaches the whole foreground group: nsenter ignores it (inherited),
# sktop installs its own handler.
T new-session -d -s v -x 80 -y 24 "trap '' INT; $NS env TERM=vt100 LC_ALL=C NO_COLOR=1 '$sktop' -d 2 --kmsg /dev/null; echo EXIT=\$?; sleep 600"
wait_for "PID .*COMMAND" 15
check "TERM=vt100: nothing but ASCII on screen" "! LC_ALL=C grep -q '[^ -~]' '$tmp/screen'"
keys 3
# (K above destroyed the CLOSE_WAIT pile: the closed fds stay, and draw a bar.)
check "TERM=vt100: the states pane draws bars with #" "grep -Eq '^closed +[0-9]+ #' '$tmp/screen'"
keys 1
keys G
check "TERM=vt100: G puts an ASCII arrow on GROW/m" "grep -Eq '^ +PID .*vGROW/m' '$tmp/screen'"
check "TERM=vt100: the Trend line is there, in ASCII" \
	"grep -q '^Trend ' '$tmp/screen' && ! LC_ALL=C grep -q '[^ -~]' '$tmp/screen'"
T send-keys -t "$S" C-c
wait_for "EXIT=" 5
check "Ctrl-C exits 130 (128 + SIGINT), as shells expect" "grep -q 'EXIT=130' '$tmp/screen'"

# --- 9: -n N quits after the Nth snapshot, as top -n does; SIGTERM is 143 --------------------
S=n
T new-session -d -s n -x 80 -y 24 "$NS env LC_ALL=C.UTF-8 '$sktop' -n 2 -d 0.2; echo EXIT=\$?; sleep 600"
wait_for "EXIT=" 20
check "-n 2 quits by itself after two snapshots, status 0" "grep -q 'EXIT=0' '$tmp/screen'"
S=t
T new-session -d -s t -x 80 -y 24 "$NS sh -c 'echo \$\$ >\"$tmp/tpid\"; LC_ALL=C.UTF-8 exec \"$sktop\" -d 1'; echo EXIT=\$?; sleep 600"
wait_for "PID .*COMMAND" 15
$NS kill -TERM "$(cat "$tmp/tpid")"
wait_for "EXIT=" 5
check "SIGTERM exits 143 (128 + SIGTERM)" "grep -q 'EXIT=143' '$tmp/screen'"

# --- 10: F2 settings survive a restart; a broken sktoprc is one line -----------------------------
S=c1
T new-session -d -s c1 -x 80 -y 24 "$NS env LC_ALL=C.UTF-8 XDG_CONFIG_HOME='$tmp/cfg' '$sktop' -d 2; echo EXIT=\$?; sleep 600"
wait_for "^sktop " 15
keys F2
check "F2 opens the setup" "grep -q 'SETUP' '$tmp/screen' && grep -Eq '\\[x\\] SOCK ' '$tmp/screen'"
# Rows: pane, sort, interval, colour, then PID USER FDS/LIMIT SOCK...
keys Down Down Down Down Down Down Down
keys Space
check "Space hides SOCK (it goes below the shown columns)" "! grep -Eq '\\[x\\] SOCK ' '$tmp/screen'"
keys Escape
check "Esc saves sktoprc" "grep -q 'Settings saved to $tmp/cfg/sktop/sktoprc' '$tmp/screen' && [ -f '$tmp/cfg/sktop/sktoprc' ]"
keys q
S=c2
# 120 wide: at 80 the SERVICE column already crowds SOCK out of the default
# layout, and "no SOCK" would then prove nothing about the saved settings.
T new-session -d -s c2 -x 120 -y 24 "$NS env LC_ALL=C.UTF-8 XDG_CONFIG_HOME='$tmp/cfg' '$sktop' -d 2; echo EXIT=\$?; sleep 600"
wait_for "^sktop " 15
keys 1
check "after a restart the process pane has no SOCK column" \
	"grep -Eq '^ +PID .*COMMAND' '$tmp/screen' && ! grep -Eq '^ +PID .* SOCK ' '$tmp/screen'"
keys q
echo 'sort = nonsense' >"$tmp/cfg/sktop/sktoprc"
S=c3
T new-session -d -s c3 -x 120 -y 24 "$NS env LC_ALL=C.UTF-8 XDG_CONFIG_HOME='$tmp/cfg' '$sktop' -d 2; echo EXIT=\$?; sleep 600"
wait_for "^sktop " 15
check "a malformed sktoprc: one line, defaults kept" \
	"tail -1 '$tmp/screen' | grep -q 'Settings ignored, defaults kept: '"
keys 1
check "a malformed sktoprc: the default columns" "grep -Eq '^ +PID .* SOCK .*COMMAND' '$tmp/screen'"
keys q

# --- 9: replay travels through a --json log --------------------------------------------------
# Five real lines (sktop alone in a pid namespace: small ones), each given
# its own time and refresh duration so every screen says which it shows;
# a garbage line among them is skipped with a count. TZ=UTC: the title's
# clock does not depend on the machine's zone. Every check polls.
log=$tmp/replay.jsonl
unshare --pid --fork --mount-proc "$sktop" -b -n 5 -d 0.4 --json >"$tmp/raw.jsonl" 2>"$tmp/raw.err"
k=0
while IFS= read -r line; do
	k=$((k + 1))
	# events_lost counts the whole machine's lifecycle store: another
	# process's churn must not change the title line checked below.
	printf '%s\n' "$line" | sed -e "s/\"time\":\"[^\"]*\"/\"time\":\"2024-05-01T12:0$k:00Z\"/" \
		-e 's/"events_lost":[0-9]*/"events_lost":0/' \
		-e "s/\"duration_us\":[0-9]*/\"duration_us\":${k}111000/"
	[ $k -eq 2 ] && echo 'this line is not a snapshot'
done <"$tmp/raw.jsonl" >"$log"
S=r
T new-session -d -s r -x 80 -y 24 "env TZ=UTC LANG=C.UTF-8 '$sktop' -r '$log'; echo EXIT=\$?; sleep 600"
travel() { T send-keys -t "$S" -l "$1"; }
wait_for "REPLAY 5/5" 20
check "replay: opens at the last snapshot, 5/5, with its time and figures" \
	"head -1 '$tmp/screen' | grep -q '2024-05-01 12:05:00  REPLAY 5/5' && head -1 '$tmp/screen' | grep -q 'scan 5111ms'" 10
check "replay: the garbage line is skipped with a count" \
	"tail -1 '$tmp/screen' | grep -q 'skipped 1 unreadable line$'" 10
travel '['
check "replay: [ steps back to 4/5 with that snapshot's figures" \
	"head -1 '$tmp/screen' | grep -q '2024-05-01 12:04:00  REPLAY 4/5' && head -1 '$tmp/screen' | grep -q 'scan 4111ms'" 10
[ "${SKTOP_SCREEN_KEEP:-0}" = 1 ] && cp "$tmp/screen" "$tmp/replay-4of5.txt"
travel '{'
check "replay: { jumps back to the first, 1/5" \
	"head -1 '$tmp/screen' | grep -q '2024-05-01 12:01:00  REPLAY 1/5' && head -1 '$tmp/screen' | grep -q 'scan 1111ms'" 10
travel ']'
check "replay: ] steps on to 2/5" "head -1 '$tmp/screen' | grep -q '12:02:00  REPLAY 2/5'" 10
travel '}'
check "replay: } jumps on, clamped at the last, 5/5" "head -1 '$tmp/screen' | grep -q '12:05:00  REPLAY 5/5'" 10
travel q
check "replay: q exits 0" "grep -q 'EXIT=0' '$tmp/screen'" 10

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
