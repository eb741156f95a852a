#!/usr/bin/env bats
# tests/bench/run: one round of a scenario through the harness, the shape
# of its tables, and nothing left behind. No timing is asserted: benchmarks
# are not tests.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	requires_root
	export BENCH_CACHE=$BATS_FILE_TMPDIR/bench
}

# left_behind: the work dir and the containers' cgroups of the bench whose
# output is in $output
left_behind() {
	local work prefix
	work=$(sed -n 's/^bench: state in \([^,]*\), container ids \(.*\)\*$/\1/p' <<<"$output")
	prefix=$(sed -n 's/^bench: state in \([^,]*\), container ids \(.*\)\*$/\2/p' <<<"$output")
	[ -n "$work" ] && [ -n "$prefix" ] || { echo "no work dir in the output"; return 1; }
	[ ! -e "$work" ] || { echo "left: $work"; return 1; }
	! find /sys/fs/cgroup -maxdepth 5 -type d -name "$prefix*" 2>/dev/null | grep . || { echo "cgroups left"; return 1; }
	! grep -q "$work" /proc/self/mountinfo || { echo "mounts left"; return 1; }
}

@test "bench: one round of run, ours against another build: a row per runtime, the ratio, peak RSS" {
	run "$ROOT/tests/bench/run" --rounds 1 --only run,rss --other "$ROOT/bin" --runtimes ours,other
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'tests/bench/run --rounds 1 --only run,rss --other .* --runtimes ours,other on .*' <<<"$output"
	grep -q '^run: `run` of /bin/true, std bundle, wall ms per call (1 rounds)$' <<<"$output"
	[ "$(grep -cE '^  runtime +median +min-max +ours/rt$' <<<"$output")" -eq 2 ]
	grep -qE '^  ours +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2} +-$' <<<"$output"
	grep -qE '^  other +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}$' <<<"$output"
	grep -q '^rss: peak RSS KiB in the run rounds' <<<"$output"
	grep -qE '^  ours +[1-9][0-9]* +[0-9]+-[0-9]+ +-$' <<<"$output"
	grep -qE '^  other +[1-9][0-9]* +[0-9]+-[0-9]+ +[0-9]+\.[0-9]{2}$' <<<"$output"
	! grep -q FAILED <<<"$output"
	left_behind
}

@test "bench: lifecycle and exec scenarios run through the harness" {
	run "$ROOT/tests/bench/run" --rounds 1 --only life,exec --runtimes ours
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^life: create + start + wait for exit + delete' <<<"$output"
	grep -q '^exec: `exec` of /bin/true into a running container' <<<"$output"
	[ "$(grep -cE '^  ours +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2} +-$' <<<"$output")" -eq 2 ]
	! grep -q FAILED <<<"$output"
	left_behind
}

@test "bench: --stages prints a row per stage with wall and CPU" {
	run "$ROOT/tests/bench/run" --stages --rounds 1 --runtimes ours
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^ours: std bundle, 1 runs of "runc --debug --log-format json run"' <<<"$output"
	grep -q '^ours: big bundle, 1 runs of' <<<"$output"
	for s in oci-secure oci-cgroup oci-ns oci-mount oci-exec oci-delete; do
		[ "$(grep -cE "^  $s +[0-9]+\.[0-9]{3} +([0-9]+\.[0-9]{3}|-)$" <<<"$output")" -eq 2 ]
	done
	[ "$(grep -cE '^  whole call \(driver\) +[0-9]+\.[0-9]{3} +-$' <<<"$output")" -eq 2 ]
	[ "$(grep -cE '^  call-to-first-line +[0-9]+\.[0-9]{3} +-$' <<<"$output")" -eq 2 ]
	! grep -q FAILED <<<"$output"
	left_behind
}

@test "bench: a failing runtime is a FAILED row, not a number" {
	printf '#!/bin/sh\necho "broken runtime" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/runc"
	chmod +x "$BATS_TEST_TMPDIR/runc"
	run "$ROOT/tests/bench/run" --rounds 1 --only run --other "$BATS_TEST_TMPDIR" --runtimes ours,other
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE '^  other +FAILED +\(see .*last.log\) +-$' <<<"$output"
	grep -q 'broken runtime' "$BENCH_CACHE/last.log"
	left_behind
}

@test "bench: bad options are one line naming the option and the value" {
	run "$ROOT/tests/bench/run" --only run,nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "bench: --only: unknown scenario: nosuch" ]
	run "$ROOT/tests/bench/run" --rounds 0
	[ "$status" -eq 1 ]
	[ "$output" = "bench: --rounds: not a positive number: 0" ]
	run "$ROOT/tests/bench/run" --runtimes ours,base
	[ "$status" -eq 1 ]
	[[ "$output" == "bench: --runtimes: base is not available"* ]]
	run "$ROOT/tests/bench/run" --other /nonexistent
	[ "$status" -eq 1 ]
	[[ "$output" == "bench: --other: "* ]]
	[ ! -e "$BENCH_CACHE/last.log" ] || ! grep -q . "$BENCH_CACHE/last.log"
}

@test "bench: drive substitutes @ID@, runs commands in order, fails on a failing one" {
	local d=$ROOT/build/bench/drive f=$BATS_TEST_TMPDIR/ids
	make -s -C "$ROOT" build/bench/drive build/bench/wrap
	run "$d" -n 2 -p 2 -i x sh -c 'echo "$1" >>"$2"' sh @ID@ "$f" \; sh -c 'echo "$1.b" >>"$2"' sh @ID@ "$f"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^ms=[0-9]+\.[0-9]{3}\ rss_kb=[0-9]+\ runs=4\ start=[0-9]+\.[0-9]{9}$ ]]
	[ "$(sort "$f" | tr '\n' ' ')" = "x-0-0 x-0-0.b x-0-1 x-0-1.b x-1-0 x-1-0.b x-1-1 x-1-1.b " ]
	run "$d" -n 3 -i y sh -c 'exit 3' \; true
	[ "$status" -eq 1 ]
	[[ "$output" == *"drive: sh (id y-0-0): -c exit 3: exit 3"* ]]
	run "$d" -n 0 true
	[ "$status" -eq 100 ]
	[[ "$output" == "usage: drive "* ]]
	run "$d" true \; \; true
	[ "$status" -eq 100 ]
	[ "$output" = "drive: command 2 has 0 arguments (1 to 64)" ]
	# @wait: a process that is not drive's child, through its pid file
	sleep 0.3 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/pid"
	run "$d" @wait "$BATS_TEST_TMPDIR/pid"
	[ "$status" -eq 0 ]
	! kill -0 "$(cat "$BATS_TEST_TMPDIR/pid")" 2>/dev/null || [ "$(ps -o stat= -p "$(cat "$BATS_TEST_TMPDIR/pid")")" = Z ]
	wait
}

@test "bench: wrap runs the runtime in a private mount namespace without the cgroup2 mount of a hybrid host" {
	local w=$ROOT/build/bench/wrap
	make -s -C "$ROOT" build/bench/wrap
	run "$w" sh -c 'readlink /proc/self/ns/mnt; grep -c " /sys/fs/cgroup/unified " /proc/self/mountinfo || :'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(readlink /proc/self/ns/mnt)" ]
	[ "${lines[1]}" = 0 ]
	run "$w"
	[ "$status" -eq 100 ]
	run -127 "$w" /nonexistent/rt
	[ "$status" -eq 127 ]
	[ "$output" = "wrap: exec /nonexistent/rt: No such file or directory" ]
}
