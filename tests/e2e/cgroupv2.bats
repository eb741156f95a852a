#!/usr/bin/env bats
# cgroup v2 for real (make test-v2's guest), each with its v1 twin for the
# host: controllers enabled in every ancestor, the cgroup namespace of
# `runc spec`, the container's view of /sys/fs/cgroup, kill --all.

load helpers

setup() {
	setup_bundle
	PARENT='' HOLDER=''
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	[ -n "${HOLDER:-}" ] && kill "$HOLDER" && wait "$HOLDER"
	[ -n "$PARENT" ] && [ -d "$PARENT" ] && rmdir "$PARENT"
	teardown_bundle
}

@test "cgroupv2: an existing parent that delegates nothing gets the controllers the container needs" {
	requires_cgroup_v2
	# a cgroup of the test's own, below the root, with no process and an
	# empty cgroup.subtree_control: not made by runc, so "existing"
	PARENT=/sys/fs/cgroup/$ID-p
	mkdir "$PARENT"
	[ -z "$(cat "$PARENT/cgroup.subtree_control")" ]
	update_config ".linux.cgroupsPath = \"/$ID-p/$ID\" | .linux.resources.memory = {\"limit\": 33554432} | .linux.resources.pids = {\"limit\": 20}"
	set_args cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '33554432\n20')" ]
	# runc's rule on pure v2: every controller the root offers, read first
	for c in memory pids; do [[ " $(cat "$PARENT/cgroup.subtree_control") " == *" $c "* ]]; done
	[ ! -e "$PARENT/$ID" ]
	assert_clean
}

@test "cgroupv2 (v1 twin): an existing parent of the container's cgroups is used as it is" {
	requires_cgroup_v1
	PARENT=$(own_cgroup_dir memory)-p
	mkdir "$PARENT"
	own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	update_config ".linux.cgroupsPath = \"${own%/}/$ID-p/$ID\" | .linux.resources.memory = {\"limit\": 33554432}"
	set_args cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = 33554432 ]
	[ ! -e "$PARENT/$ID" ]
	# the other hierarchies: made by the run, removed by it
	for d in /sys/fs/cgroup/pids /sys/fs/cgroup/cpu; do [ ! -e "$d${own%/}/$ID-p" ]; done
	assert_clean
}

@test "cgroupv2: a parent with processes of its own that does not delegate a needed controller: a clear error, nothing left" {
	requires_cgroup_v2
	# a cgroup of the test's own, holding a process of its own (the caller's
	# cgroup would; runc's relative paths avoid it by going to its parent)
	PARENT=/sys/fs/cgroup/$ID-p
	mkdir "$PARENT"
	sleep 60 3>&- &
	HOLDER=$!
	echo "$HOLDER" > "$PARENT/cgroup.procs"
	before=$(cat "$PARENT/cgroup.subtree_control")
	[[ " $before " != *" memory "* ]]
	update_config ".linux.cgroupsPath = \"/$ID-p/$ID\" | .linux.resources.memory = {\"limit\": 33554432}"
	set_args true
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-cgroup: cgroup v2 controller memory is not enabled in $PARENT/cgroup.subtree_control (a cgroup with processes of its own cannot delegate it)" ]
	[ "$(cat "$PARENT/cgroup.subtree_control")" = "$before" ]
	assert_clean
	# and without a resource that needs one it runs there, writing nothing
	update_config 'del(.linux.resources.memory)'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$PARENT/cgroup.subtree_control")" = "$before" ]
	assert_clean
}

@test "cgroupv2 (v1 twin): below the test's own cgroups a memory limit needs nothing of the parents" {
	requires_cgroup_v1
	update_config '.linux.resources.memory = {"limit": 33554432}'
	set_args cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = 33554432 ]
	assert_clean
}

@test "cgroupv2: runc spec adds a cgroup namespace on a pure v2 host, last, as runc" {
	requires_cgroup_v2
	[ "$(jq -c '[.linux.namespaces[].type]' config.json)" = '["pid","network","ipc","uts","mount","cgroup"]' ]
}

@test "cgroupv2 (v1 twin): runc spec adds no cgroup namespace on a v1 or hybrid host" {
	requires_cgroup_v1
	[ "$(jq -c '[.linux.namespaces[].type]' config.json)" = '["pid","network","ipc","uts","mount"]' ]
}

@test "cgroupv2: with a cgroup namespace the container is at the root of /sys/fs/cgroup, its own cgroup" {
	requires_cgroup_v2
	# below the root (the test's own cgroup has processes: it cannot delegate)
	update_config ".linux.cgroupsPath = \"/$ID\" | .linux.resources.memory = {\"limit\": 33554432}"
	set_args sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max; ls /sys/fs/cgroup | grep -c slice || :'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0::/\n33554432\n0')" ]
	assert_clean
}

@test "cgroupv2: without a cgroup namespace /sys/fs/cgroup shows only the container's own cgroup" {
	requires_cgroup_v2
	update_config ".linux.namespaces -= [{\"type\": \"cgroup\"}] | .linux.cgroupsPath = \"/$ID\" | .linux.resources.memory = {\"limit\": 33554432}"
	jq -e '[.linux.namespaces[].type] | index("cgroup") | not' config.json
	set_args sh -c 'cat /sys/fs/cgroup/memory.max; ls /sys/fs/cgroup | grep -c -e slice -e init.scope -e rt-test- || :; cut -d: -f3 /proc/self/cgroup'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 33554432 ]
	[ "${lines[1]}" = 0 ]
	# no namespace: the host's path, whose directory is what is mounted
	[ "${lines[2]}" = "/$ID" ]
	assert_clean
}

@test "cgroupv2 (v1 twin): without a cgroup namespace each hierarchy shows only the container's own cgroup" {
	requires_cgroup_v1
	update_config '.linux.resources.memory = {"limit": 33554432}'
	set_args sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ls /sys/fs/cgroup/memory | grep -c "^rt-test-" || :'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '33554432\n0')" ]
	assert_clean
}

@test "cgroupv2: kill --all KILL empties the container's cgroup (cgroup.kill), pid namespace or not" {
	requires_cgroup_v2
	[ -e /sys/fs/cgroup/cgroup.kill ] || [ -e "$(dirname "$(cg_dir pids)")/cgroup.kill" ]
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'for i in 1 2 3 4 5; do sleep 1000 & done; exec sleep 1000'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	procs=$(cg_dir pids)/cgroup.procs
	for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 6 ] && break; sleep 0.1; done
	[ "$(wc -l < "$procs")" -eq 6 ]
	[ -e "$(cg_dir pids)/cgroup.kill" ]
	run runc kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 0 ] && break; sleep 0.1; done
	[ "$(wc -l < "$procs")" -eq 0 ]
	runc delete "$ID"
	assert_clean
}

@test "cgroupv2 (v1 twin): kill --all KILL empties every hierarchy's cgroup of the container" {
	requires_cgroup_v1
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'for i in 1 2 3 4 5; do sleep 1000 & done; exec sleep 1000'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	for c in pids memory cpu; do
		procs=$(own_cgroup_dir "$c")/cgroup.procs
		for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 6 ] && break; sleep 0.1; done
		[ "$(wc -l < "$procs")" -eq 6 ]
	done
	run runc kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 0 ] && break; sleep 0.1; done
	[ "$(wc -l < "$procs")" -eq 0 ]
	runc delete "$ID"
	assert_clean
}
