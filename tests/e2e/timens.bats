#!/usr/bin/env bats
# linux.timeOffsets: the container's processes run in a new time namespace
# with the offsets, on every kernel with time namespaces (5.6+): on 6.1 the
# kernel does not move a process into its time_for_children namespace at
# execve, so the init itself, not only its children, is checked.
load helpers

setup() {
	setup_bundle
	[ -e /proc/self/ns/time ] || skip "this kernel has no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0},
			"monotonic": {"secs": 86400, "nanosecs": 5}}'
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

# what the shell itself sees (no child: a child would get the namespace
# for children even where the shell did not): boot time in whole seconds,
# its time namespace, the namespace's offsets
SEE='read -r up _ </proc/uptime; echo "${up%%.*}"; readlink /proc/$$/ns/time; tr -s " " </proc/$$/timens_offsets'

@test "timeOffsets: the container's init runs in a new time namespace with the offsets" {
	set_args sh -c "$SEE"
	run runc run "$ID"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" -ge 864000 ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
	[ "${lines[2]}" = "monotonic 86400 5" ]
	[ "${lines[3]}" = "boottime 864000 0" ]
	[ "${#lines[@]}" -eq 4 ]
	assert_clean
}

@test "timeOffsets: exec joins the container's time namespace" {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	init=$(runc state "$ID" | jq -r .pid)
	run runc exec "$ID" sh -c "$SEE"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${lines[0]}" -ge 864000 ]
	[ "${lines[1]}" = "$(readlink "/proc/$init/ns/time")" ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
	runc delete --force "$ID"
	assert_clean
}

@test "timeOffsets: with a user namespace, the time namespace is the container's own" {
	userns
	set_args sh -c "$SEE"
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -ge 864000 ]
	[ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
	[ "${lines[3]}" = "boottime 864000 0" ]
	assert_clean
}

@test "timeOffsets: an offset the kernel refuses fails the run clearly and leaves nothing" {
	# a boot time before boot: the kernel says ERANGE
	update_config '.linux.timeOffsets = {"boottime": {"secs": -100000000000, "nanosecs": 0}}'
	set_args true
	run runc run "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"oci-ns: write boottime offset to /proc/self/timens_offsets: Numerical result out of range" ]]
	assert_clean
}

@test "timeOffsets without a time namespace are refused" {
	update_config '.linux.namespaces |= map(select(.type != "time"))'
	set_args true
	run runc run "$ID"
	[ "$status" -ne 0 ]
	echo "$output"
	[[ "$output" == *"time.offset without a new time namespace"* ]]
	assert_clean
}
