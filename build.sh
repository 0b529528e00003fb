#!/usr/bin/env bash
# The two README commands live here so README, CI and people run the same thing.
#   ./build.sh run [SKTOP ARGS...]   install what is missing, build, start sktop
#   ./build.sh test                  install what is missing, build, run every test
# Build trees go under build/ (never committed). Needs root for apt-get and
# for the tests that build real leaks in private network namespaces.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

# What building and running sktop need; a server gets nothing more from `run`.
# clang, libbpf-dev and bpftool build the BPF owner iterator (configure
# --disable-bpf builds without them).
run_deps=(build-essential autoconf automake pkg-config libmnl-dev libncurses-dev
	  libmicrohttpd-dev libcap-dev clang libbpf-dev bpftool)
# The test toolchain: cmocka, the tools the integration tests compare
# against or drive (ss, lsof, tmux), and CI's checkers.
test_deps=(libcmocka-dev iproute2 lsof tmux procps util-linux valgrind clang
	   libclang-rt-14-dev clang-tools-14 cppcheck prometheus curl)

install_missing() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "build.sh: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "build.sh: need root to install packages (run with sudo)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure in build/NAME with extra flags, then make.
build_in() {
	local name=$1; shift
	mkdir -p "build/$name"
	(cd "build/$name" &&
	 { [ -f Makefile ] || "$top/configure" --enable-werror "$@" >/dev/null; } &&
	 make -j"$(nproc)" >/dev/null)
}

bootstrap() {
	[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
		./bootstrap.sh >/dev/null 2>&1
}

# The suites that need nothing but the build (no root, no real sockets).
unit_tests=$(echo tests/test_{escape,diag,diag_parse,procfs,sysinfo,snapshot,history,findings,json,replay,options,check,settings,snapfile,tui_view,tui_render,metrics,fields,replaylog,service_faces})

cmd=${1:-run}
shift || true
case "$cmd" in
run)
	install_missing "${run_deps[@]}"
	bootstrap
	# Its own build dir: configured without the test suite, so cmocka is
	# not needed; `test` keeps build/default with the tests.
	build_in run --disable-tests
	exec build/run/sktop "$@"
	;;
test)
	install_missing "${run_deps[@]}" "${test_deps[@]}"
	bootstrap
	echo "== build (gcc, -Werror) and make check"
	build_in default
	make -C build/default check -j"$(nproc)" || { cat build/default/test-suite.log; exit 1; }
	echo "== AddressSanitizer + UBSan build, make check [${SECONDS}s]"
	build_in asan --enable-sanitizers
	ASAN_OPTIONS=detect_leaks=1 make -C build/asan check -j"$(nproc)" ||
		{ cat build/asan/test-suite.log; exit 1; }
	echo "== clang -Werror build (tests too), cppcheck, scan-build: zero findings [${SECONDS}s]"
	build_in clang CC=clang
	make -C build/clang check TESTS= -j"$(nproc)" >/dev/null
	# Inline suppressions only, each with its reason beside it.
	cppcheck --enable=warning,portability,performance --std=c11 --inline-suppr \
		--suppress=missingIncludeSystem --error-exitcode=1 -q -I src -I cli -I tui \
		-I build/clang src cli tui tests bench
	# scan-build covers the program and the benchmark; the tests are left
	# to cppcheck, because cmocka's assertions are not marked noreturn and
	# every assert_non_null() would read as a possible NULL dereference.
	# Its whole output is kept: a failed compile must say why, not end CI
	# without a word.
	mkdir -p build/scan
	if ! (cd build/scan && { [ -f Makefile ] || scan-build-14 "$top/configure" --enable-werror \
		>/dev/null 2>&1; } && make clean >/dev/null &&
	      scan-build-14 --status-bugs -o "$top/build/scan-report" make -j"$(nproc)") \
		>build/scan.log 2>&1; then
		grep -E 'error|warning:' build/scan.log || tail -30 build/scan.log
		echo "build.sh: scan-build failed (build/scan.log)"; exit 1
	fi
	grep -E 'bugs found|No bugs' build/scan.log
	echo "== valgrind: repeated refreshes leak no fd and no byte [${SECONDS}s]"
	valgrind -q --suppressions=.ci/valgrind.supp --track-fds=yes --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=1 --log-file=build/valgrind.log \
		build/default/sktop -b -d 0 -n 20 --json >/dev/null ||
		{ cat build/valgrind.log; exit 1; }
	# --track-fds lists every descriptor open at exit; only those sktop
	# opened itself (not "inherited from parent") are leaks.
	if ! awk '/Open file descriptor/ { fd = $0; getline
		  if ($0 !~ /inherited from parent/) { print fd; bad = 1 } } END { exit bad }' \
		build/valgrind.log; then
		cat build/valgrind.log; echo "build.sh: sktop leaked a file descriptor"; exit 1
	fi
	# The tarball must build and pass from a clean tree. It compiles on one
	# core while libFuzzer runs one target at a time on the other: CI has a
	# time budget. The suites that build real sockets already ran twice
	# above, so the tarball runs only the unit suites.
	echo "== fuzzing (clang, libFuzzer + ASan/UBSan, ${FUZZ_SECONDS:-20} s per target) beside make distcheck (unit suites) [${SECONDS}s]"
	make -C build/default distcheck TESTS="$unit_tests" >build/distcheck.log 2>&1 &
	distcheck=$!
	trap 'kill "$distcheck" 2>/dev/null || true' EXIT
	mkdir -p build/fuzz
	(cd build/fuzz && { [ -f Makefile ] || CC=clang "$top/configure" --enable-fuzzing >/dev/null; } &&
	 make -j"$(nproc)" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" 2>&1 | grep -Ev '^  (CC|AR|CCLD) |^ar: ')
	echo "== waiting for make distcheck [${SECONDS}s]"
	wait "$distcheck" || { tail -60 build/distcheck.log; echo "build.sh: make distcheck failed"; exit 1; }
	trap - EXIT
	# One closing line over every cmocka case of the main build.
	logs=(build/default/tests/*.log)
	passed=$(cat "${logs[@]}" | grep -c '^\[       OK \]' || true)
	failed=$(cat "${logs[@]}" | grep -c '^\[  FAILED  \]' || true)
	skipped=$(cat "${logs[@]}" | grep -c '^\[  SKIPPED \]' || true)
	echo "tests: $passed passed, $failed failed, $skipped skipped (${SECONDS}s)"
	;;
*)
	echo "usage: ./build.sh run [ARGS...] | ./build.sh test" >&2
	exit 2
	;;
esac
