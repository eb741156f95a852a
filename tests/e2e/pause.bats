#!/usr/bin/env bats
# pause and resume: the freezer of the container's cgroups (v1's
# freezer.state, v2's cgroup.freeze; and a real cgroup v2 freezer on a
# hand-made state dir, which a hybrid host has too); kill and delete
# --force of a paused container

load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	if [ -n "${V2PID:-}" ]; then kill -9 "$V2PID" 2>/dev/null; wait "$V2PID" 2>/dev/null; fi
	if [ -n "${V2DIR:-}" ] && [ -d "$V2DIR" ]; then
		echo 0 > "$V2DIR/cgroup.freeze"
		rmdir "$V2DIR"
	fi
	teardown_bundle
}

status_of() {
	runc state "$1" | jq -r .status
}

# a container printing a line every 0.1 s on its stdout file
start_ticker() {
	set_args sh -c 'trap "exit 3" TERM; while :; do echo tick; sleep 0.1; done'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	OUT=$BATS_TEST_TMPDIR/container.out
}

ticks() { wc -l < "$OUT"; }

@test "pause: freezes a running container, state says paused, resume thaws it" {
	start_ticker
	sleep 0.3
	run runc pause "$ID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(status_of "$ID")" = paused ]
	cg_frozen
	local a b
	a=$(ticks)
	sleep 0.5
	b=$(ticks)
	[ "$a" -eq "$b" ]
	# pausing a paused container is not an error; resuming a running one is
	run runc pause "$ID"
	[ "$status" -eq 0 ]
	run runc resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = running ]
	! cg_frozen
	sleep 0.5
	[ "$(ticks)" -gt "$b" ]
	run runc resume "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-resume: container not paused" ]
	run runc delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "pause: a created container pauses and resumes to created, as in runc 1.1; a paused one does not start" {
	set_args true
	create "$ID"
	[ "$status" -eq 0 ]
	runc pause "$ID"
	[ "$(status_of "$ID")" = paused ]
	run runc start "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-start: cannot start a container in the paused state" ]
	runc resume "$ID"
	[ "$(status_of "$ID")" = created ]
	runc start "$ID"
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	[ "$(status_of "$ID")" = stopped ]
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "pause: a stopped or a missing container is refused with runc's words" {
	set_args true
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	run runc pause "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-pause: container not running" ]
	run runc resume "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-resume: container not paused" ]
	run runc pause nosuch-$$
	[ "$status" -eq 1 ]
	[ "$output" = "oci-pause: container nosuch-$$ does not exist" ]
	run runc pause "bad/id"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-pause: invalid container ID format: bad/id" ]
	run runc pause
	[ "$status" -eq 1 ] # 2015's form: the directory's name, no such container
	run runc pause a b
	[ "$status" -eq 1 ]
	[ "$output" = "runc: pause: exactly one container id expected" ]
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "pause: kill KILL of a paused container kills it, and it can be deleted" {
	start_ticker
	runc pause "$ID"
	[ "$(status_of "$ID")" = paused ]
	local pid
	pid=$(runc state "$ID" | jq -r .pid)
	run timeout 10 "$RUNC" --root "$STATE" kill "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	[ "$(status_of "$ID")" = stopped ]
	[ ! -e "/proc/$pid/stat" ] || grep -q ') Z' "/proc/$pid/stat"
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "pause: kill TERM of a paused container leaves it paused, pending" {
	start_ticker
	runc pause "$ID"
	run runc kill "$ID" TERM
	[ "$status" -eq 0 ]
	sleep 0.2
	[ "$(status_of "$ID")" = paused ]
	runc resume "$ID"
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	[ "$(status_of "$ID")" = stopped ]
	runc delete "$ID"
	assert_clean
}

@test "pause: delete --force of a paused container removes everything, without waiting" {
	start_ticker
	runc pause "$ID"
	[ "$(status_of "$ID")" = paused ]
	local t0 t1
	t0=$(date +%s%N)
	run timeout 10 "$RUNC" --root "$STATE" delete --force "$ID"
	t1=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ $(((t1 - t0) / 1000000)) -lt 3000 ]
	assert_clean
}

@test "pause: 2015 forms, runc --id X pause and resume" {
	start_ticker
	run "$RUNC" --root "$STATE" --id "$ID" pause
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = paused ]
	run "$RUNC" --root "$STATE" --id "$ID" resume
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = running ]
	# and the directory's name when there is no --id
	mkdir -p "$BATS_TEST_TMPDIR/$ID"
	cd "$BATS_TEST_TMPDIR/$ID"
	run runc pause
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = paused ]
	run runc resume
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = running ]
}

@test "pause: a real cgroup v2 freezer (cgroup.freeze, cgroup.events) on a hand-made state dir" {
	local own
	if cgroup_v2; then
		V2DIR=$(cg_parent)/$ID
	else # a hybrid host's unified hierarchy
		[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 at /sys/fs/cgroup/unified"
		own=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
		V2DIR=/sys/fs/cgroup/unified${own%/}/$ID
	fi
	mkdir "$V2DIR"
	[ -e "$V2DIR/cgroup.freeze" ] || skip "no cgroup.freeze in $V2DIR"
	sh -c 'echo $$ > "$1/cgroup.procs"; exec sleep 100' sh "$V2DIR" 3>&- &
	V2PID=$!
	for _ in $(seq 50); do grep -qx "$V2PID" "$V2DIR/cgroup.procs" && break; sleep 0.1; done
	local start
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$V2PID/stat")
	mkdir -p "$STATE/$ID"
	printf 'ocispec 1\nstate.dir %s\ncgroup.dir unified %s new\n' "$STATE/$ID" "$V2DIR" > "$STATE/$ID/spec"
	printf '{"ociVersion":"1.2.0","id":"%s","pid":%d,"status":"running","bundle":"/","rootfs":"/","created":"2026-01-01T00:00:00.000000000Z","owner":"","init_start_time":%s}\n' \
		"$ID" "$V2PID" "$start" > "$STATE/$ID/state.json"
	[ "$(status_of "$ID")" = running ]
	run runc pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$V2DIR/cgroup.freeze")" = 1 ]
	grep -qx 'frozen 1' "$V2DIR/cgroup.events"
	[ "$(status_of "$ID")" = paused ]
	run runc resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$V2DIR/cgroup.freeze")" = 0 ]
	grep -qx 'frozen 0' "$V2DIR/cgroup.events"
	[ "$(status_of "$ID")" = running ]
	# kill KILL of the paused container thaws it so that it dies
	runc pause "$ID"
	run runc kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait "$V2PID" || true
	V2PID=
	[ "$(status_of "$ID")" = stopped ]
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -d "$V2DIR" ]
	assert_clean
}
