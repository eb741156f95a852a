#!/usr/bin/env bats
# One id from several runtime processes at once, and a create killed with
# SIGKILL at any moment: never a hang, never a half-made container.
load helpers

setup() {
	setup_bundle
	set_args sleep 100
	# every process of the test's containers and chains carries this mark
	MARK="RT_MARK=$ID"
	update_config ".process.env += [\"$MARK\"]"
}

teardown() {
	teardown_bundle
}

status_of() {
	"$RUNC" --root "$STATE" state "$1" 2> /dev/null | jq -r .status
}

# N copies of "runc ARGS..." at once, each bounded; their exit statuses and
# stderr in $BATS_TEST_TMPDIR/par.N.{rc,err}
par() {
	local n=$1 i
	shift
	rm -f "$BATS_TEST_TMPDIR"/par.*
	for i in $(seq "$n"); do
		(
			rc=0
			timeout 20 "$RUNC" --root "$STATE" "$@" < /dev/null > /dev/null 2> "$BATS_TEST_TMPDIR/par.$i.err" 3>&- || rc=$?
			echo "$rc" > "$BATS_TEST_TMPDIR/par.$i.rc"
		) &
	done
	wait
}
# how many of the last par exited with status $1
par_count() {
	cat "$BATS_TEST_TMPDIR"/par.*.rc | grep -cx "$1" || true
}

# nothing carries the mark: no chain process, no container process
no_process_left() {
	local left
	left=$(grep -ls "$MARK" /proc/[0-9]*/environ | grep -v "^/proc/$$/" || true)
	[ -z "$left" ] || { echo "process left: $left"; return 1; }
}

# no cgroup dir named $ID anywhere under the hierarchies
no_cgroup_left() {
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		if find "$d" -type d -name "$ID" 2>/dev/null | grep -q .; then
			echo "cgroup left in $d"
			return 1
		fi
	done
}

@test "concurrency: one create of an id wins, then start, state, kill and delete at once" {
	par 6 create "$ID"
	[ "$(par_count 0)" -eq 1 ]
	[ "$(par_count 1)" -eq 5 ]
	[ "$(grep -l "container with given ID already exists" "$BATS_TEST_TMPDIR"/par.*.err | wc -l)" -eq 5 ]
	[ "$(status_of "$ID")" = created ]

	par 4 start "$ID"
	[ "$(par_count 0)" -eq 1 ]
	[ "$(par_count 1)" -eq 3 ]
	[ "$(grep -l "cannot start an already running container" "$BATS_TEST_TMPDIR"/par.*.err | wc -l)" -eq 3 ]
	[ "$(status_of "$ID")" = running ]

	par 4 state "$ID"
	[ "$(par_count 0)" -eq 4 ]

	par 3 kill "$ID" KILL
	[ "$(par_count 124)" -eq 0 ] # none timed out
	[ "$(par_count 0)" -ge 1 ]
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done

	par 4 delete --force "$ID"
	[ "$(par_count 0)" -eq 4 ]
	assert_clean
	no_cgroup_left
	no_process_left
}

@test "concurrency: create and delete --force of one id at once leave nothing" {
	local i
	for i in 1 2 3; do
		(timeout 20 "$RUNC" --root "$STATE" create "$ID" < /dev/null > /dev/null 2>&1 3>&- || true) &
		(sleep 0.0$i; timeout 20 "$RUNC" --root "$STATE" delete --force "$ID" > /dev/null 2>&1 || true) &
		wait
		timeout 20 "$RUNC" --root "$STATE" delete --force "$ID"
		assert_clean
		no_cgroup_left
		no_process_left
	done
}

@test "concurrency: a create killed with SIGKILL at any moment is removed by delete --force, and the id reused" {
	local i pid
	# a create takes 50-100 ms here: kill it anywhere in 0-120 ms
	for i in $(seq 10); do
		"$RUNC" --root "$STATE" create "$ID" < /dev/null > /dev/null 2>&1 3>&- &
		pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % 120)))"
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
		timeout 20 "$RUNC" --root "$STATE" delete --force "$ID"
		assert_clean
		no_cgroup_left
		no_process_left
	done
	# the id is free again
	create "$ID"
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = created ]
	runc delete --force "$ID"
	assert_clean
	no_process_left
}

@test "concurrency: a process a hook leaves behind holds no lock (hooks get stdio only)" {
	local pidf=$BATS_TEST_TMPDIR/daemon.pid
	update_config '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "ls /proc/self/fd > '"$BATS_TEST_TMPDIR"'/fds; sleep 30 < /dev/null > /dev/null 2>&1 & echo $! > '"$pidf"'"]}]}'
	create "$ID"
	[ "$status" -eq 0 ]
	# ls's own fds: 0-2 and the directory it reads
	[ "$(sort -n "$BATS_TEST_TMPDIR/fds" | paste -sd' ')" = "0 1 2 3" ]
	run timeout 20 "$RUNC" --root "$STATE" start "$ID"
	[ "$status" -eq 0 ]
	run timeout 20 "$RUNC" --root "$STATE" delete --force "$ID"
	[ "$status" -eq 0 ]
	kill "$(cat "$pidf")"
	assert_clean
}
