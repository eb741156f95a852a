#!/usr/bin/env bats
# podman 4.3's `container checkpoint` and `container restore` through
# conmon and bin/runc (criu underneath): podman probes `runc checkpoint
# --help`, checkpoints with --image-path/--work-path in the container's
# bundle, and restores through conmon (`runc restore --detach --pid-file
# --no-new-keyring ...`, the container's stdin conmon's /dev/null). The same
# private podman as podman.bats (tests/clients/podman.bash). Needs a kernel
# criu can checkpoint on: run by make test-v2 (boot 1), skipped elsewhere.

load ../e2e/helpers # requires_criu
load helpers
load podman
bats_require_minimum_version 1.5.0

# the image only where the tests run: bats 1.8 takes a skip in setup_file
# for a failure, so setup() skips
setup_file() {
	[ "$(id -u)" -eq 0 ] && command -v podman > /dev/null && command -v conmon > /dev/null || return 0
	criu_probe
	[ -z "$CRIU_WHY" ] || return 0
	podman_setup
}

setup() {
	requires podman conmon criu
	requires_criu
}

teardown_file() {
	podman_teardown
}

# the counter: /tmp/count in the container, one more every 0.1 s
COUNTER='i=0; while :; do echo $i > /tmp/count; i=$((i + 1)); sleep 0.1; done'
count() { pm exec "$1" cat /tmp/count; }
pid_of() { pm inspect --format '{{.State.Pid}}' "$1"; }
# counts_on NAME N: the counter is past N, and moves
counts_on() {
	local a b
	a=$(count "$1")
	[ "$a" -ge "$2" ] || { echo "count $a is below $2"; return 1; }
	wait_for sh -c "[ \"\$(CONTAINERS_CONF=$P/containers.conf podman --root $P/root --runroot $P/runroot --tmpdir $P/tmp --storage-driver vfs exec $1 cat /tmp/count)\" -gt $a ]"
}

@test "podman: checkpoint stops the container, restore runs it on from its count; checkpoint --leave-running" {
	prun -d --name cr1 "$IMG" sh -c "$COUNTER" > /dev/null
	local id pid1 pid2 n
	id=$(cid cr1)
	pid1=$(pid_of cr1)
	wait_for sh -c "[ \"\$(cat /proc/$pid1/root/tmp/count 2> /dev/null || echo 0)\" -ge 10 ]"
	n=$(cat "/proc/$pid1/root/tmp/count")
	# checkpoint: the container is gone from the runtime, podman says exited
	run pm container checkpoint cr1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of cr1)" = exited ]
	! kill -0 "$pid1" 2> /dev/null || false
	[ ! -e "/run/runc/$id" ]
	[ -z "$(cgroups_named "libpod-$id")" ]
	[ -f "$P/root/vfs-containers/$id/userdata/checkpoint/inventory.img" ]
	# restore: running again, a new host pid, in its cgroup, counting on from n
	run pm container restore cr1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of cr1)" = running ]
	pid2=$(pid_of cr1)
	[ "$pid2" != "$pid1" ]
	[ "$("$RUNC" state "$id" | jq -r .status)" = running ]
	[ "$("$RUNC" state "$id" | jq -r .pid)" = "$pid2" ]
	grep -q "$CGP/libpod-$id\$" "/proc/$pid2/cgroup"
	counts_on cr1 "$n"
	# the restored container: exec, top, pause and unpause
	run pm exec cr1 sh -c 'echo in; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = in ]
	run pm top cr1 pid args
	[ "$status" -eq 0 ]
	grep -q 'while' <<< "$output"
	run pm pause cr1
	[ "$status" -eq 0 ]
	[ "$("$RUNC" state "$id" | jq -r .status)" = paused ]
	run pm unpause cr1
	[ "$status" -eq 0 ]
	# checkpoint --leave-running: the same process runs on
	n=$(count cr1)
	run pm container checkpoint --leave-running cr1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of cr1)" = running ]
	[ "$(pid_of cr1)" = "$pid2" ]
	counts_on cr1 "$n"
	run pm rm -f -t 0 cr1
	[ "$status" -eq 0 ]
	assert_nothing_left "$P/runroot/vfs-containers/$id" "$id"
}

@test "podman: checkpoint --export, rm, restore --import: the container counts on in a new rootfs" {
	prun -d --name cr2 "$IMG" sh -c "$COUNTER" > /dev/null
	local id pid1 n
	id=$(cid cr2)
	pid1=$(pid_of cr2)
	wait_for sh -c "[ \"\$(cat /proc/$pid1/root/tmp/count 2> /dev/null || echo 0)\" -ge 10 ]"
	n=$(cat "/proc/$pid1/root/tmp/count")
	run pm container checkpoint --export "$BATS_TEST_TMPDIR/cr2.tar.gz" cr2
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/cr2.tar.gz" ]
	run pm rm cr2
	[ "$status" -eq 0 ]
	assert_nothing_left "$P/runroot/vfs-containers/$id" "$id"
	run pm container restore --import "$BATS_TEST_TMPDIR/cr2.tar.gz"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of cr2)" = running ]
	counts_on cr2 "$n"
	run pm rm -f -t 0 cr2
	[ "$status" -eq 0 ]
}

@test "podman (criu): nothing is left on the host" {
	pm rm -af > /dev/null
	run pm ps -aq
	[ -z "$output" ]
	podman_left_nothing
}
