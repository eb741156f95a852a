#!/usr/bin/env bats
# every runtime-spec 1.2 linux.resources field through runc create, read
# back from the container's cgroup files: on v1 (and hybrid: this host's
# hugetlb is on the unified hierarchy) and on pure v2 (make test-v2);
# what the kernel lacks fails or warns as runc does, leaving nothing.
# The exact files of every layout: tests/stage/oci-cgroup-res.bats.

load helpers

setup() {
	setup_bundle
	set_args sleep 1000
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

# the container's dir on the unified hierarchy of a hybrid host
unified_dir() {
	echo "/sys/fs/cgroup/unified$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup | sed 's,/$,,')/$ID"
}

# a block device of this machine, MAJ:MIN
blkdev() {
	local d
	for d in /sys/block/*/dev; do
		[ -e "$d" ] && { cat "$d"; return 0; }
	done
	return 1
}

@test "resources (v1): memory, cpu, cpuset, pids read back from the v1 files" {
	requires_cgroup_v1
	update_config '.linux.resources = {
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "kernelTCP": 16777216,
			"kernel": 8388608, "swappiness": 10, "disableOOMKiller": true, "useHierarchy": true, "checkBeforeUpdate": true},
		"cpu": {"shares": 512, "quota": 50000, "period": 200000, "burst": 1000, "realtimePeriod": 1000000,
			"realtimeRuntime": 5000, "cpus": "0", "mems": "0", "idle": 0},
		"pids": {"limit": 50}}'
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# kernel memory: ignored with runc's warning
	[ "$output" = "oci-cgroup: warning: Kernel memory settings are ignored and will be removed" ]
	d=$(own_cgroup_dir memory)
	[ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$d/memory.soft_limit_in_bytes")" = 33554432 ]
	[ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
	[ "$(cat "$d/memory.kmem.tcp.limit_in_bytes")" = 16777216 ]
	[ "$(cat "$d/memory.swappiness")" = 10 ]
	grep -qx "oom_kill_disable 1" "$d/memory.oom_control"
	[ "$(cat "$d/memory.use_hierarchy")" = 1 ]
	d=$(own_cgroup_dir cpu)
	[ "$(cat "$d/cpu.shares")" = 512 ]
	[ "$(cat "$d/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$d/cpu.cfs_period_us")" = 200000 ]
	[ "$(cat "$d/cpu.cfs_burst_us")" = 1000 ]
	[ "$(cat "$d/cpu.rt_period_us")" = 1000000 ]
	[ "$(cat "$d/cpu.rt_runtime_us")" = 5000 ]
	[ "$(cat "$d/cpu.idle")" = 0 ]
	[ "$(cat "$(own_cgroup_dir cpuset)/cpuset.cpus")" = 0 ]
	[ "$(cat "$(own_cgroup_dir cpuset)/cpuset.mems")" = 0 ]
	[ "$(cat "$(own_cgroup_dir pids)/pids.max")" = 50 ]
	runc delete --force "$ID"
	assert_clean
}

@test "resources (v2): memory, cpu, cpuset, pids read back from the v2 files, with runc's conversions" {
	requires_cgroup_v2
	update_config '.linux.resources = {
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "kernel": 8388608,
			"swappiness": 10, "checkBeforeUpdate": true},
		"cpu": {"shares": 512, "quota": 50000, "period": 200000, "burst": 1000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 50}}'
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "oci-cgroup: warning: Kernel memory settings are ignored and will be removed" ]
	[ "${lines[1]}" = "oci-cgroup: warning: cgroup.memory.swappiness is not supported on cgroup v2, ignored" ]
	d=$(cg_dir memory)
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/memory.low")" = 33554432 ]
	# v2's swap is swap alone: memory+swap less memory
	[ "$(cat "$d/memory.swap.max")" = 67108864 ]
	# shares 512 -> weight 59 (runc's quadratic conversion)
	[ "$(cat "$d/cpu.weight")" = 59 ]
	[ "$(cat "$d/cpu.max")" = "50000 200000" ]
	[ "$(cat "$d/cpu.max.burst")" = 1000 ]
	[ "$(cat "$d/cpu.idle")" = 0 ]
	[ "$(cat "$d/cpuset.cpus")" = 0 ]
	[ "$(cat "$d/cpuset.mems")" = 0 ]
	[ "$(cat "$d/pids.max")" = 50 ]
	runc delete --force "$ID"
	assert_clean
	# idle apart: an idle group's cpu.weight is the kernel's, not ours
	update_config '.linux.resources = {"cpu": {"idle": 1}}'
	create "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/cpu.idle")" = 1 ]
	runc delete --force "$ID"
	assert_clean
}

@test "resources (v1): realtime, hierarchy-wide: a v2 host refuses realtime as runc (twin below)" {
	requires_cgroup_v1
	update_config '.linux.resources.cpu = {"realtimeRuntime": 0, "realtimePeriod": 500000}'
	create "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$(own_cgroup_dir cpu)/cpu.rt_period_us")" = 500000 ]
	runc delete --force "$ID"
	assert_clean
}

@test "resources (v2): realtime is refused on cgroup v2, nothing left" {
	requires_cgroup_v2
	update_config '.linux.resources.cpu = {"realtimeRuntime": 5000}'
	run runc run "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == "oci-cgroup: spec line "*": cgroup.cpu.realtimeRuntime is not supported on cgroup v2" ]]
	assert_clean
}

@test "resources (v1): blockIO throttles read back; weights without BFQ or CFQ fail as runc's, nothing left" {
	requires_cgroup_v1
	dev=$(blkdev)
	maj=${dev%:*} min=${dev#*:}
	update_config ".linux.resources.blockIO = {
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleWriteBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}],
		\"throttleReadIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 100}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 200}]}"
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	d=$(own_cgroup_dir blkio)
	[ "$(cat "$d/blkio.throttle.read_bps_device")" = "$dev 1048576" ]
	[ "$(cat "$d/blkio.throttle.write_bps_device")" = "$dev 2097152" ]
	[ "$(cat "$d/blkio.throttle.read_iops_device")" = "$dev 100" ]
	[ "$(cat "$d/blkio.throttle.write_iops_device")" = "$dev 200" ]
	runc delete --force "$ID"
	assert_clean
	# weights: the bfq (or CFQ) files, when the kernel has them
	update_config ".linux.resources.blockIO = {\"weight\": 500, \"leafWeight\": 300,
		\"weightDevice\": [{\"major\": $maj, \"minor\": $min, \"weight\": 600}]}"
	d=$(own_cgroup_dir blkio)
	run runc run "$ID"
	echo "$output"
	if [ -e "$(dirname "$d")/blkio.bfq.weight" ] || [ -e "$(dirname "$d")/blkio.weight" ]; then
		skip "this kernel has blkio weights (the no-weight case is this host's)"
	fi
	[ "$status" -ne 0 ]
	[ "$output" = "oci-cgroup: write blkio.weight in $d: No such file or directory" ]
	assert_clean
}

@test "resources (v2): blockIO weight to io.weight (runc's conversion), a leaf weight ignored with a warning" {
	requires_cgroup_v2
	update_config '.linux.resources.blockIO = {"weight": 500, "leafWeight": 300}'
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "oci-cgroup: warning: cgroup.blkio.leafWeight is not supported on cgroup v2, ignored" ]
	d=$(cg_dir io)
	if [ -e "$d/io.bfq.weight" ]; then
		grep -q "^default 500" "$d/io.bfq.weight"
	else
		# 1 + (500 - 10) * 9999 / 990
		[ "$(cat "$d/io.weight")" = "default 4950" ]
	fi
	runc delete --force "$ID"
	assert_clean
}

@test "resources (hybrid): hugepageLimits on the unified hierarchy where v1 has no hugetlb" {
	requires_cgroup_v1
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	d=$(unified_dir)
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	create "$ID"
	echo "$output"
	if [ -d /sys/fs/cgroup/hugetlb ]; then
		[ "$status" -eq 0 ]
		[ "$(cat "$(own_cgroup_dir hugetlb)/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
	elif grep -qw hugetlb "$(dirname "$d")/cgroup.subtree_control"; then
		[ "$status" -eq 0 ]
		[ "$(cat "$d/hugetlb.2MB.max")" = 4194304 ]
		[ ! -e "$d/hugetlb.2MB.rsvd.max" ] || [ "$(cat "$d/hugetlb.2MB.rsvd.max")" = 4194304 ]
	else
		# this host: hugetlb is on the unified hierarchy, but its root (not
		# ours to write) does not enable it for children: a clear refusal
		[ "$status" -ne 0 ]
		[ "$output" = "oci-cgroup: cgroup v2 controller hugetlb is not enabled in $(dirname "$d")/cgroup.subtree_control (not made by this run: on a hybrid host only those are written to)" ]
	fi
	runc delete --force "$ID" || true
	assert_clean
}

@test "resources (v2): hugepageLimits, max and rsvd.max" {
	requires_cgroup_v2
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	d=$(cg_dir hugetlb)
	[ "$(cat "$d/hugetlb.2MB.max")" = 4194304 ]
	[ "$(cat "$d/hugetlb.2MB.rsvd.max")" = 4194304 ]
	runc delete --force "$ID"
	assert_clean
}

@test "resources (v1): unified is refused with runc's words; network and rdma need their controllers; nothing left" {
	requires_cgroup_v1
	update_config '.linux.resources.unified = {"memory.high": "1048576"}'
	run runc run "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == "oci-cgroup: spec line "*": cgroup.unified memory.high: invalid configuration: cannot use unified on cgroup v1" ]]
	assert_clean
	update_config 'del(.linux.resources.unified) | .linux.resources.network = {"classID": 1048577}'
	run runc run "$ID"
	echo "$output"
	if [ -d /sys/fs/cgroup/net_cls ]; then
		skip "this host has net_cls (the missing case is this host's)"
	fi
	[ "$status" -ne 0 ]
	[[ "$output" == "oci-cgroup: spec line "*": cgroup.net.classID needs the net_cls controller, which is not mounted" ]]
	assert_clean
	update_config 'del(.linux.resources.network) | .linux.resources.rdma = {"mlx5_1": {"hcaHandles": 3}}'
	run runc run "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == "oci-cgroup: cgroup v2 controller rdma is not available: not in /sys/fs/cgroup/unified/cgroup.controllers "* ]]
	assert_clean
}

@test "resources (v2): unified is written; network is v1 only and ignored with a warning, as runc ignores it" {
	requires_cgroup_v2
	update_config '.linux.resources.unified = {"memory.high": "1048576", "pids.max": "42"} | .linux.resources.network = {"classID": 7, "priorities": [{"name": "lo", "priority": 1}]}'
	create "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "oci-cgroup: warning: cgroup.net.classID is not supported on cgroup v2, ignored" ]
	[ "${lines[1]}" = "oci-cgroup: warning: cgroup.net.priority is not supported on cgroup v2, ignored" ]
	[ "$(cat "$(cg_dir memory)/memory.high")" = 1048576 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 42 ]
	runc delete --force "$ID"
	assert_clean
}
