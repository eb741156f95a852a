#!/usr/bin/env bats
# runc checkpoint (lifecycle/oci-checkpoint, criu's RPC through
# shared/criu.c): refusals everywhere; criu's own reason where criu cannot
# run (this host's kernel); real dumps where it can (the guest, make
# test-v2). Restore round trips are in restore.bats.

load helpers

setup() {
	setup_bundle
	IMG=$BATS_TEST_TMPDIR/img
	WORK=$BATS_TEST_TMPDIR/work
}

teardown() {
	teardown_bundle
}

# the counter container: a host dir bound at /data (a bind mount criu must
# be told about) gets a number five times a second; the default config
# masks /proc/kcore and the like (/dev/null binds) and /proc/acpi (tmpfs)
counter() {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/data"'", "options": ["rbind", "rw"]}]'
	set_args sh -c 'i=0; while :; do echo $i > /data/c; i=$((i + 1)); sleep 0.2; done'
}

# run_d: runc run -d with the container's stdio on pipes (setup_pipes)
run_d() {
	setup_pipes
	"$RUNC" --root "$STATE" run -d "$@" "$ID" <&"$IN_W" >&"$OUT_R" 2>&"$OUT_R" 3>&-
}

pid_of() {
	runc state "$ID" | jq -r .pid
}

status_of() {
	runc state "$ID" | jq -r .status
}

# the counter moves on (read from the host side of the bind)
counting() {
	local a b
	a=$(cat "$BATS_TEST_TMPDIR/data/c")
	for _ in $(seq 50); do
		sleep 0.2
		b=$(cat "$BATS_TEST_TMPDIR/data/c")
		[ "$b" != "$a" ] && return 0
	done
	echo "the counter stopped at $a"
	return 1
}

@test "checkpoint: --help prints the usage and exits 0" {
	run runc checkpoint --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: runc checkpoint "* ]]
	[[ "$output" == *--leave-running* ]]
	[[ "$output" == *--manage-cgroups-mode* ]]
	run runc checkpoint -h
	[ "$status" -eq 0 ]
}

@test "checkpoint: bad flags and ids are refused in runc's words, nothing made" {
	cd "$BATS_TEST_TMPDIR"
	run runc checkpoint --image-path "$IMG" --manage-cgroups-mode bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: Invalid manage cgroups mode" ]
	run runc checkpoint --image-path "$IMG" --empty-ns ipc "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-checkpoint: namespace "ipc" is not supported' ]
	run runc checkpoint --image-path="$IMG" --parent-path /abs "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: --parent-path must be relative" ]
	run runc checkpoint --image-path "$IMG" --page-server nohost "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: Use --page-server ADDR:PORT to specify page server" ]
	run runc checkpoint --image-path "$IMG" --status-fd 99 "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: invalid --status-fd argument 99: bad file descriptor" ]
	run runc checkpoint --image-path "$IMG" --bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --bogus" ]
	run runc checkpoint --image-path "$IMG"
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: "checkpoint" requires exactly 1 argument(s)' ]
	run runc checkpoint --image-path "$IMG" --leave-running=maybe "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'invalid boolean value "maybe"'* ]]
	run runc checkpoint --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: container $ID does not exist" ]
	# no image dir, and not the default ./checkpoint either
	run runc checkpoint "$ID"
	[ "$status" -eq 1 ]
	[ ! -e "$IMG" ]
	[ ! -e "$BATS_TEST_TMPDIR/checkpoint" ]
	assert_clean
}

@test "checkpoint: a created or stopped container cannot be checkpointed" {
	set_args sh -c 'exit 0'
	create "$ID"
	[ "$status" -eq 0 ]
	run runc checkpoint --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: Container cannot be checkpointed in created state" ]
	[ ! -e "$IMG" ]
	[ "$(status_of)" = created ]
	runc start "$ID"
	for _ in $(seq 50); do [ "$(status_of)" = stopped ] && break; sleep 0.1; done
	run runc checkpoint --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: Container cannot be checkpointed in stopped state" ]
	[ ! -e "$IMG" ]
	runc delete "$ID"
	assert_clean
}

@test "checkpoint: a criu that cannot be run is named, the container runs on" {
	set_args sleep 1000
	run_d
	local pid
	pid=$(pid_of)
	run runc --criu /nonexistent/criu checkpoint --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: run /nonexistent/criu swrk: No such file or directory" ]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	[ ! -e "$IMG" ]
	runc delete --force "$ID"
	assert_clean
}

@test "checkpoint: where criu cannot work, its own reason; the container runs on as it was" {
	requires_broken_criu
	counter
	run_d
	local pid
	pid=$(pid_of)
	run runc checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	[ "$status" -eq 1 ]
	[ -f "$WORK/dump.log" ]
	local reason
	reason=$(grep -m1 -o 'Error (.*' "$WORK/dump.log")
	[ -n "$reason" ]
	[ "$output" = "oci-checkpoint: criu failed: type dump: $reason (log file: $WORK/dump.log)" ]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	counting
	# runc's descriptors.json: the init's stdio, the pipes
	[ "$(jq -r '.[0]' "$IMG/descriptors.json")" = "$(readlink "/proc/$pid/fd/0")" ]
	[[ "$(jq -r '.[1]' "$IMG/descriptors.json")" == pipe:* ]]
	[ "$(jq length "$IMG/descriptors.json")" -eq 3 ]
	# the log goes to the image dir without --work-path; --leave-running fails the same way
	run runc checkpoint --image-path "$IMG/2" --leave-running "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: criu failed: type dump: $(grep -m1 -o 'Error (.*' "$IMG/2/dump.log") (log file: $IMG/2/dump.log)" ]
	# pre-dump asks criu for memory tracking first, which it cannot do here
	run runc checkpoint --image-path "$IMG/3" --pre-dump "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-checkpoint: --pre-dump: criu feature check failed"* ]]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	runc delete --force "$ID"
	assert_clean
}

@test "checkpoint: a running container with a bind mount and masked paths is dumped, then gone" {
	requires_criu
	counter
	run_d
	local pid
	pid=$(pid_of)
	counting
	run runc checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# gone: no state, no cgroup, no process
	run runc state "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	[ ! -e "/proc/$pid" ] || [ "$(cut -d' ' -f3 "/proc/$pid/stat")" = Z ]
	assert_clean
	# the counter stopped; the image is criu's, with runc's descriptors.json
	local c
	c=$(cat "$BATS_TEST_TMPDIR/data/c")
	sleep 0.5
	[ "$(cat "$BATS_TEST_TMPDIR/data/c")" = "$c" ]
	[ -f "$IMG/inventory.img" ]
	[ -f "$WORK/dump.log" ]
	[[ "$(jq -r '.[0]' "$IMG/descriptors.json")" == pipe:* ]]
	grep -q 'Dumping finished successfully' "$WORK/dump.log"
}

@test "checkpoint: --pre-dump, then --parent-path and --leave-running: it runs on with the same pid" {
	requires_criu
	counter
	run_d
	local pid
	pid=$(pid_of)
	run runc checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	counting
	[ -f "$BATS_TEST_TMPDIR/pre/inventory.img" ]
	run runc checkpoint --image-path "$IMG" --parent-path ../pre --leave-running "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(readlink "$IMG/parent")" = ../pre ]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	counting
	# the parent must be a directory under the image dir
	run runc checkpoint --image-path "$IMG" --parent-path ../nope "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-checkpoint: invalid --parent-path: $IMG/../nope: No such file or directory" ]
	runc delete --force "$ID"
	assert_clean
}

@test "checkpoint: a paused container: --leave-running keeps it paused, a dump takes it" {
	requires_criu
	counter
	run_d
	runc pause "$ID"
	[ "$(status_of)" = paused ]
	run runc checkpoint --image-path "$IMG" --leave-running "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of)" = paused ]
	cg_frozen
	run runc checkpoint --image-path "$IMG/2" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	run runc state "$ID"
	[ "$status" -ne 0 ]
	assert_clean
}

@test "checkpoint: a terminal container (run -d --console-socket) is dumped" {
	requires_criu
	update_config '.process.terminal = true'
	set_args sh -c 'while read l; do echo got:$l; done'
	local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out
	# holds the pty master until the container is gone
	console_receiver "$sock" "$out" hello
	"$RUNC" --root "$STATE" run -d --console-socket "$sock" "$ID" < /dev/null > /dev/null 2>&1 3>&-
	for _ in $(seq 100); do grep -q got:hello "$out" && break; sleep 0.1; done
	grep -q got:hello "$out"
	run runc checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	run runc state "$ID"
	[ "$status" -ne 0 ]
	[[ "$(jq -r '.[0]' "$IMG/descriptors.json")" == /dev/pts/* ]]
	kill "$CONSOLE_PID" 2>/dev/null || true
	wait "$CONSOLE_PID" || true
	assert_clean
}

@test "checkpoint: a host /dev/null on stdin is an external file in descriptors.json" {
	requires_criu
	counter
	setup_pipes
	"$RUNC" --root "$STATE" run -d "$ID" < /dev/null >&"$OUT_R" 2>&"$OUT_R" 3>&-
	local pid
	pid=$(pid_of)
	run runc checkpoint --image-path "$IMG" --leave-running "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# criu's key for it: file[MNTID:INO] in hex, from the init's fd 0
	local mnt ino
	mnt=$(awk '/^mnt_id:/ { print $2 }' "/proc/$pid/fdinfo/0")
	ino=$(stat -Lc %i "/proc/$pid/fd/0")
	[ "$(jq -r '.[0]' "$IMG/descriptors.json")" = "$(printf 'file[%x:%x]' "$mnt" "$ino")" ]
	[[ "$(jq -r '.[1]' "$IMG/descriptors.json")" == pipe:* ]]
	[ "$(status_of)" = running ]
	[ "$(pid_of)" = "$pid" ]
	runc delete --force "$ID"
	assert_clean
}

@test "checkpoint: a foreground container (runc run): the dump ends it, runc run exits, nothing left" {
	requires_criu
	# stdout on a host file (start_bg's): an external file for criu
	set_args sh -c 'echo ready; while :; do sleep 0.2; done'
	start_bg run "$ID"
	run runc checkpoint --image-path "$IMG" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$(jq -r '.[1]' "$IMG/descriptors.json")" == file\[* ]]
	local rc=0
	wait "$BG" || rc=$?
	[ "$rc" -ne 0 ] # the monitor saw its init killed
	run runc state "$ID"
	[ "$status" -ne 0 ]
	assert_clean
}
