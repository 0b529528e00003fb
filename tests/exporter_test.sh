#!/usr/bin/env bash
# sktop --exporter under a real Prometheus, a real leak and a hostile load.
#
# The whole test runs in a network, pid and mount namespace of its own:
# loopback is private (random ports cannot clash with anything, no traffic
# leaves), /proc shows only the test's processes, and when the script's
# shell (the namespace's init) exits, the kernel kills everything it started
# (Prometheus too), even after a failure. leakgen builds the leak in a
# network namespace of its own beneath, which the exporter enters as it
# does on a host, after it dropped to nobody with its few capabilities.
#
# Checks: Prometheus scrapes the exporter (OpenMetrics, 1 s interval) and
# its HTTP API shows the leak's group with the right CLOSE_WAIT and closed-fd
# values; the shipped alert rules load; promtool accepts the output; 200
# concurrent scrapes, slowloris connections and garbage requests leave it
# answering with its refreshes on time; the --textfile is never seen half
# written.
#
# Needs root, unshare, prometheus, promtool, curl; skips (exit 77) without.
#   SKTOP_BUILDDIR=build/x SKTOP_SRCDIR=. tests/exporter_test.sh
set -u

builddir=${SKTOP_BUILDDIR:-.}
srcdir=${SKTOP_SRCDIR:-$(dirname "$0")/..}
sktop=$builddir/sktop
leakgen=$builddir/tests/helpers/leakgen
CW=7 CLOSED=5

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, every process's fds)"
for t in unshare ip prometheus promtool curl; do
	command -v $t >/dev/null || skip "needs $t"
done
[ -x "$sktop" ] || skip "no $sktop (set SKTOP_BUILDDIR)"
[ -x "$leakgen" ] || skip "no $leakgen"

if [ -z "${SKTOP_EXPORTER_TEST_INSIDE:-}" ]; then
	export SKTOP_EXPORTER_TEST_INSIDE=1
	unshare --net --pid --fork --mount-proc -- bash "$0" "$@"
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 77 ] || [ $rc -eq 1 ] || skip "cannot unshare namespaces here (rc $rc)"
	exit $rc
fi

# --- inside: our own loopback, our own /proc -----------------------------------------------
ip link set lo up || skip "cannot bring up loopback in the new namespace"
tmp=$(mktemp -d /tmp/sktop-exporter.XXXXXX)
chmod 755 "$tmp"
pass=0 fail=0
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "${SKTOP_EXPORTER_KEEP:-0}" = 1 ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ] && exit 0; exit 1; }

EXP=$((20000 + RANDOM % 10000)) PROM=$((30000 + RANDOM % 10000)) LEAKPORT=$((40000 + RANDOM % 10000))
url=http://127.0.0.1:$EXP/metrics

mkfifo "$tmp/in"
exec 3<>"$tmp/in" # leakgen exits when this closes
"$leakgen" --unshare --port "$LEAKPORT" --close-wait $CW --closed $CLOSED --lifetime 300 \
	<"$tmp/in" >"$tmp/ready" 2>"$tmp/leakgen.err" &
for _ in $(seq 100); do grep -q READY "$tmp/ready" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$tmp/ready" || { cat "$tmp/leakgen.err"; not_ok "leakgen got ready"; finish; }

"$sktop" --exporter "127.0.0.1:$EXP" -d 1 2>"$tmp/sktop.err" &
expid=$! # not pgrep: another copy of the suite runs an exporter too
for _ in $(seq 50); do curl -sf -o /dev/null "$url" && break; sleep 0.2; done
check "the exporter answers" "curl -sf -o '$tmp/scrape' '$url'"
check "promtool accepts the text format" "promtool check metrics <'$tmp/scrape'"
# nobody, with SYS_PTRACE, DAC_READ_SEARCH, SYS_ADMIN and NET_ADMIN
# (bits 19, 2, 21, 12) and nothing else, in every thread, HTTP ones too.
check "it runs as nobody after setup" "grep -Eq '^Uid:[[:space:]]+65534' /proc/$expid/status"
check "every thread keeps only the four capabilities" \
	"[ \$(ls /proc/$expid/task | wc -l) -ge 3 ] &&
	 ! grep -hE '^Cap(Prm|Eff|Bnd):' /proc/$expid/task/*/status | grep -qv '0000000000281004\$'"

cat >"$tmp/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ['$srcdir/contrib/prometheus/alerts.yml']
scrape_configs:
  - job_name: sktop
    static_configs: [{targets: ['127.0.0.1:$EXP']}]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$PROM" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
api=http://127.0.0.1:$PROM/api/v1
# Ready before it is asked: a Prometheus that never came up must say why
# (its log), not pass for an exporter whose series are missing.
prom_ready() {
	local deadline=$((SECONDS + 60))
	while [ $SECONDS -lt $deadline ]; do
		curl -sf --max-time 2 "http://127.0.0.1:$PROM/-/ready" >/dev/null && return 0
		sleep 0.2
	done
	sed 's/^/#   /' "$tmp/prometheus.log" | tail -20
	return 1
}
check "Prometheus starts" prom_ready

# The first value of an instant query, or nothing.
query() {
	curl -s --max-time 2 "$api/query" --data-urlencode "query=$1" |
		sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'
}
wait_value() {
	local want=$2 got="" deadline=$((SECONDS + 40))
	while [ $SECONDS -lt $deadline ]; do
		got=$(query "$1")
		[ "$got" = "$want" ] && return 0
		sleep 0.5
	done
	echo "#   $1 = '${got}', wanted $want"
	return 1
}
check "Prometheus sees the leak's CLOSE_WAIT" \
	"wait_value 'sktop_group_tcp_sockets{group=\"leakgen\",state=\"close_wait\"}' $CW"
check "Prometheus sees the leak's closed fds" \
	"wait_value 'sktop_group_closed_socket_fds{group=\"leakgen\"}' $CLOSED"
check "Prometheus sees the CLOSE_WAIT total of every namespace" \
	"wait_value 'sktop_tcp_sockets{state=\"close_wait\"}' $CW"
check "the scrape negotiated OpenMetrics (the info metric keeps its type)" \
	"curl -s '$api/targets/metadata' | grep -q '\"metric\":\"sktop_build\",\"type\":\"info\"'"
check "the shipped alert rules load and evaluate" \
	"curl -s '$api/rules' | grep -q 'SktopCloseWaitGrowing' && ! curl -s '$api/rules' | grep -q '\"health\":\"err'"

# --- load: slowloris, garbage, a scrape storm ---------------------------------------------------
refreshes() { curl -s --max-time 3 "$url" | sed -n 's/^sktop_refreshes_total //p'; }
r0=$(refreshes) t0=$SECONDS
slow=()
for i in $(seq 50); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$EXP" && printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&$fd
	slow+=("$fd")
done
for i in $(seq 20); do
	(exec {g}<>"/dev/tcp/127.0.0.1/$EXP" && head -c 4096 /dev/urandom >&$g && sleep 1) 2>/dev/null &
done
big_header() { head -c 40000 /dev/zero | tr '\0' a; }
check "an oversized request is refused, not served" \
	"[ \$(curl -s -o /dev/null -w '%{http_code}' -H \"X-Big: \$(big_header)\" '$url') -ge 400 ]"
check "other paths are 404, other methods 405, HEAD is fine" \
	"[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$EXP/) = 404 ] &&
	 [ \$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x '$url') = 405 ] &&
	 [ \$(curl -s -o /dev/null -w '%{http_code}' -I '$url') = 200 ]"
seq 200 | xargs -P 200 -I{} curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 "$url" \
	>"$tmp/storm"
check "200 concurrent scrapes all answered 200" "[ \$(grep -c '^200 ' '$tmp/storm') -eq 200 ]"
echo "# storm: slowest scrape $(sort -k2 -n "$tmp/storm" | tail -1 | cut -d' ' -f2) s"
check "a scrape during the slowloris still answers within 1 s" \
	"curl -s -o /dev/null --max-time 1 '$url'"
sleep 4
for fd in "${slow[@]}"; do exec {fd}>&-; done
r1=$(refreshes) t1=$SECONDS
echo "# refreshes: $r0 -> $r1 in $((t1 - t0)) s at -d 1"
check "refreshes kept their interval under load" \
	"[ -n '$r0' ] && [ -n '$r1' ] && [ \$(( $r1 - $r0 )) -ge \$(( ($t1 - $t0) * 7 / 10 )) ]"
check "Prometheus still scrapes it" "wait_value 'up{job=\"sktop\"}' 1"

# --- textfile: never half written -------------------------------------------------------------
mkdir "$tmp/tf"
"$sktop" -b --textfile "$tmp/tf/sktop.prom" -d 0.05 -n 100 2>"$tmp/textfile.err" &
tfpid=$!
reads=0 torn=0
while kill -0 $tfpid 2>/dev/null; do
	if [ -f "$tmp/tf/sktop.prom" ]; then
		reads=$((reads + 1))
		tail -n 1 "$tmp/tf/sktop.prom" | grep -q '^sktop_build_info{' || torn=$((torn + 1))
	fi
done
wait $tfpid
tfrc=$?
echo "# textfile: $reads reads while it was rewritten 100 times"
check "the textfile run succeeded" "[ $tfrc -eq 0 ]"
check "the textfile was never seen half written" "[ $reads -gt 0 ] && [ $torn -eq 0 ]"
check "the textfile is 0644 and no temp file is left" \
	"[ \$(stat -c %a '$tmp/tf/sktop.prom') = 644 ] && [ \$(ls -A '$tmp/tf' | wc -l) -eq 1 ]"
check "promtool accepts the textfile" "promtool check metrics <'$tmp/tf/sktop.prom'"
finish
