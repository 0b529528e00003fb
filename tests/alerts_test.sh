#!/usr/bin/env bash
# The shipped alert rules (contrib/prometheus/alerts.yml) parse and fire on
# the series of alerts_test.yml, and only there. Needs promtool (Debian
# package prometheus); skips (exit 77) without it.
set -u
srcdir=${SKTOP_SRCDIR:-$(dirname "$0")/..}
command -v promtool >/dev/null || { echo "SKIP: needs promtool"; exit 77; }
cd "$srcdir/contrib/prometheus" || exit 1
pass=0 fail=0
for c in "promtool check rules alerts.yml" "promtool test rules alerts_test.yml"; do
	if $c; then pass=$((pass + 1)); echo "ok - $c"; else fail=$((fail + 1)); echo "not ok - $c"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
