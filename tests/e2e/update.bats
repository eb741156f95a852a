#!/usr/bin/env bats
# update: every runc 1.1 flag read back from the container's cgroup files
# (v1 here), -r FILE and -r -, the values saved for a later update, a
# paused container staying paused; v2 files on a fake cgroupfs tree

load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	if [ -n "${FAKEPID:-}" ]; then kill "$FAKEPID" 2>/dev/null; wait "$FAKEPID" 2>/dev/null; fi
	teardown_bundle
}

start_sleeper() {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
}

cg() { cat "$(own_cgroup_dir "$1")/$2"; }

@test "update: memory flags with units, read back from the v1 memory cgroup" {
	requires_cgroup_v1
	start_sleeper
	run runc update --memory 64m --memory-swap 128M --memory-reservation 32MiB --kernel-memory-tcp 16mb "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg memory memory.memsw.limit_in_bytes)" = 134217728 ]
	[ "$(cg memory memory.soft_limit_in_bytes)" = 33554432 ]
	[ "$(cg memory memory.kmem.tcp.limit_in_bytes)" = 16777216 ]
	# raising memory above the old memory+swap: swap goes first
	run runc update --memory 256m --memory-swap 512m "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 268435456 ]
	[ "$(cg memory memory.memsw.limit_in_bytes)" = 536870912 ]
	# lowering both: memory first
	run runc update --memory=1.5g --memory-swap=2g "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 1610612736 ]
	run runc update --memory 100m --memory-swap 100m "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 104857600 ]
	[ "$(cg memory memory.memsw.limit_in_bytes)" = 104857600 ]
	# zero is unchanged; -1 is unlimited, memory+swap too
	run runc update --memory 0 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 104857600 ]
	run runc update --memory -1 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 9223372036854771712 ]
	[ "$(cg memory memory.memsw.limit_in_bytes)" = 9223372036854771712 ]
	# kernel memory: as at create, ignored in runc's words
	run runc update --kernel-memory 16m "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "oci-update: warning: Kernel memory settings are ignored and will be removed" ]
	run runc update --memory 12x "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: invalid value for memory: invalid size: '12x'" ]
	# swap below memory is the kernel's EINVAL, named
	run runc update --memory 64m --memory-swap 32m "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" = "oci-update: spec line "*": cgroup.memory.swap is below cgroup.memory.limit" ]]
}

@test "update: cpu, cpuset and pids flags, read back" {
	requires_cgroup_v1
	start_sleeper
	run runc update --cpu-share 512 --cpu-period 50000 --cpu-quota 25000 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg cpu cpu.shares)" = 512 ]
	[ "$(cg cpu cpu.cfs_period_us)" = 50000 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = 25000 ]
	run runc update --cpu-shares 256 --cpu-quota -1 "$ID" # crun's spelling too
	[ "$status" -eq 0 ]
	[ "$(cg cpu cpu.shares)" = 256 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = -1 ]
	[ "$(cg cpu cpu.cfs_period_us)" = 50000 ]
	run runc update --cpu-rt-period 900000 --cpu-rt-runtime 10000 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg cpu cpu.rt_period_us)" = 900000 ]
	[ "$(cg cpu cpu.rt_runtime_us)" = 10000 ]
	run runc update --cpu-rt-runtime 0 "$ID"
	[ "$(cg cpu cpu.rt_runtime_us)" = 10000 ]
	run runc update --cpuset-cpus 0 --cpuset-mems 0 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg cpuset cpuset.cpus)" = 0 ]
	[ "$(cg cpuset cpuset.mems)" = 0 ]
	run runc update --pids-limit 42 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg pids pids.max)" = 42 ]
	run runc update --pids-limit 0 "$ID"
	[ "$(cg pids pids.max)" = 42 ]
	run runc update --pids-limit -1 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg pids pids.max)" = max ]
	# Go's single-dash long flags
	run runc update -pids-limit 43 -cpu-share=700 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg pids pids.max)" = 43 ]
	[ "$(cg cpu cpu.shares)" = 700 ]
	run runc update --cpu-period abc "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: invalid value for cpu-period: abc" ]
	run runc update --cpu-share -5 "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: invalid value for cpu-share: -5" ]
}

@test "update: blkio weight where the kernel has none fails as runc's does; RDT is refused" {
	requires_cgroup_v1
	start_sleeper
	local d
	d=$(own_cgroup_dir blkio)
	run runc update --blkio-weight 500 "$ID"
	if [ -e "$d/blkio.weight" ] || [ -e "$d/blkio.bfq.weight" ]; then
		[ "$status" -eq 0 ]
		[ "$(cat "$d"/blkio*.weight | head -1)" = 500 ] || grep -q 500 "$d/blkio.bfq.weight"
	else
		[ "$status" -eq 1 ]
		[ "$output" = "oci-update: write blkio.weight in $d: No such file or directory" ]
		! grep -q '^cgroup.blkio.weight' "$STATE/$ID/spec"
	fi
	run runc update --blkio-weight 5000 "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: invalid value for blkio-weight: 5000" ]
	run runc update --l3-cache-schema "L3:0=ff" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: --l3-cache-schema: Intel RDT is not supported by this runtime" ]
	run runc update --mem-bw-schema "MB:0=70" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: --mem-bw-schema: Intel RDT is not supported by this runtime" ]
}

@test "update -r FILE and -r -: a LinuxResources JSON, as podman and containerd send it" {
	requires_cgroup_v1
	start_sleeper
	cat > "$BATS_TEST_TMPDIR/r.json" <<-'JSON'
	{"memory": {"limit": 67108864, "swap": 134217728, "reservation": 0},
	 "cpu": {"shares": 300, "quota": 30000, "period": 60000, "cpus": "0", "mems": ""},
	 "pids": {"limit": 77}, "blockIO": {"weight": 0},
	 "devices": [{"allow": false, "access": "rwm"}]}
	JSON
	run runc update -r "$BATS_TEST_TMPDIR/r.json" "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg memory memory.memsw.limit_in_bytes)" = 134217728 ]
	[ "$(cg cpu cpu.shares)" = 300 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = 30000 ]
	[ "$(cg cpu cpu.cfs_period_us)" = 60000 ]
	[ "$(cg pids pids.max)" = 77 ]
	run runc update --resources - "$ID" <<< '{"pids": {"limit": 88}, "memory": {"limit": 33554432}}'
	[ "$status" -eq 0 ]
	[ "$(cg pids pids.max)" = 88 ]
	[ "$(cg memory memory.limit_in_bytes)" = 33554432 ]
	run runc update -r - "$ID" <<< '{"pids": {"limit": "many"}}'
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: stdin: pids.limit: expected a number" ]
	run runc update -r - "$ID" <<< '{"pids": '
	[ "$status" -eq 1 ]
	run runc update -r - --pids-limit 3 "$ID" <<< '{}'
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: --resources cannot be combined with other update flags" ]
	run runc update -r "$BATS_TEST_TMPDIR/none.json" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: open $BATS_TEST_TMPDIR/none.json: No such file or directory" ]
}

@test "update: the values are saved in the state dir's spec, last one wins" {
	start_sleeper
	runc update --memory 64m --pids-limit 20 "$ID"
	runc update --pids-limit 30 "$ID"
	grep -qx 'cgroup.memory.limit 67108864' "$STATE/$ID/spec"
	[ "$(grep '^cgroup.pids.limit ' "$STATE/$ID/spec" | tail -1)" = "cgroup.pids.limit 30" ]
	! grep -q '^cgroup.memory.swap ' "$STATE/$ID/spec"
	head -1 "$STATE/$ID/spec" | grep -qx 'ocispec 1'
	[ ! -e "$STATE/$ID/.spec.tmp" ]
	# the container still works with the grown spec: state, kill, delete
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	runc delete --force "$ID"
	assert_clean
}

@test "update: a paused container stays paused" {
	start_sleeper
	runc pause "$ID"
	run runc update --memory 64m --pids-limit 9 "$ID"
	[ "$status" -eq 0 ]
	[ "$(runc state "$ID" | jq -r .status)" = paused ]
	cg_frozen
	[ "$(cat "$(cg_dir pids)/pids.max")" = 9 ]
	runc resume "$ID"
	[ "$(runc state "$ID" | jq -r .status)" = running ]
}

@test "update: a stopped or missing container, no id" {
	run runc update --memory 64m "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: container $ID does not exist" ]
	run runc update --memory 64m
	[ "$status" -eq 1 ]
	[[ "$output" = "oci-update: usage: oci-update "* ]]
	run runc update --bogus 1 x
	[ "$status" -eq 1 ]
	set_args true
	create "$ID"
	runc start "$ID"
	for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	run runc update --memory 64m "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: container not running" ]
	runc delete "$ID"
	assert_clean
}

# a hand-made state dir whose cgroup is a plain directory standing in for
# a pure cgroup v2 one: the shared writer's v2 files, and saved values
# completing cpu.max and memory.swap.max
fake_v2() {
	requires_root
	CG=$BATS_TEST_TMPDIR/cg/c1
	mkdir -p "$CG" "$STATE/$ID"
	sleep 1000 3>&- &
	FAKEPID=$!
	local start
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$FAKEPID/stat")
	printf 'ocispec 1\nstate.dir %s\ncgroup.dir unified %s new\n' "$STATE/$ID" "$CG" > "$STATE/$ID/spec"
	printf '{"ociVersion":"1.2.0","id":"%s","pid":%d,"status":"running","bundle":"/","rootfs":"/","created":"2026-01-01T00:00:00.000000000Z","owner":"","init_start_time":%s}\n' \
		"$ID" "$FAKEPID" "$start" > "$STATE/$ID/state.json"
}

@test "update on a fake cgroup v2 tree: the v2 files, and saved values completing cpu.max and swap" {
	fake_v2
	run runc update --memory 64m --memory-swap 128m --memory-reservation 16m --pids-limit 10 --cpu-share 1024 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/memory.max")" = 67108864 ]
	[ "$(cat "$CG/memory.swap.max")" = 67108864 ]
	[ "$(cat "$CG/memory.low")" = 16777216 ]
	[ "$(cat "$CG/pids.max")" = 10 ]
	[ "$(cat "$CG/cpu.weight")" = 100 ]
	run runc update --cpu-quota 20000 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cpu.max")" = "20000 100000" ]
	run runc update --cpu-period 50000 "$ID" # the saved quota is kept
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cpu.max")" = "20000 50000" ]
	run runc update --memory-swap 256m "$ID" # less the saved memory limit
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/memory.swap.max")" = 201326592 ]
	run runc update --pids-limit -1 --cpu-quota -1 "$ID"
	[ "$(cat "$CG/pids.max")" = max ]
	[ "$(cat "$CG/cpu.max")" = "max 50000" ]
	run runc update --blkio-weight 500 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/io.weight")" = 4950 ]
	run runc update -r - "$ID" <<< '{"unified": {"memory.high": "50000000"}, "cpu": {"cpus": "0-1"}}'
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/memory.high")" = 50000000 ]
	[ "$(cat "$CG/cpuset.cpus")" = 0-1 ]
	run runc update --cpu-rt-runtime 1000 "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" = *"cgroup.cpu.realtimeRuntime is not supported on cgroup v2" ]]
	run runc update --memory -1 "$ID"
	[ "$(cat "$CG/memory.max")" = max ]
	[ "$(cat "$CG/memory.swap.max")" = max ]
}

@test "update on a fake cgroup v2 tree: every -r field, --cpu-burst, --cpu-idle, checkBeforeUpdate kept from an earlier update" {
	fake_v2
	run runc update -r - "$ID" <<< '{"blockIO": {"weight": 100, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1024}],
		"throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 7}]},
		"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}], "rdma": {"mlx5_0": {"hcaObjects": 4}},
		"cpu": {"burst": 500, "idle": 1}, "pids": {"limit": 5}}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/io.weight")" = 910 ]
	[ "$(cat "$CG/io.max")" = "8:0 rbps=1024 wiops=7" ]
	[ "$(cat "$CG/hugetlb.2MB.max")" = 2097152 ]
	[ "$(cat "$CG/hugetlb.2MB.rsvd.max")" = 2097152 ]
	[ "$(cat "$CG/rdma.max")" = "mlx5_0 hca_object=4" ]
	[ "$(cat "$CG/cpu.max.burst")" = 500 ]
	[ "$(cat "$CG/cpu.idle")" = 1 ]
	[ "$(cat "$CG/pids.max")" = 5 ]
	grep -qx "cgroup.hugetlb 2MB 2097152" "$STATE/$ID/spec"
	run runc update --cpu-burst 0 --cpu-idle 0 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cpu.max.burst")" = 0 ]
	[ "$(cat "$CG/cpu.idle")" = 0 ]
	run runc update --cpu-idle 2 "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: invalid value for cpu-idle: 2" ]
	# checkBeforeUpdate, as runc: a limit at or below memory.current is refused
	echo 10485760 > "$CG/memory.current"
	run runc update -r - "$ID" <<< '{"memory": {"limit": 1048576, "checkBeforeUpdate": true}}'
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: rejecting memory limit 1048576 <= usage 10485760" ]
	! grep -q "^cgroup.memory.limit 1048576" "$STATE/$ID/spec"
	run runc update -r - "$ID" <<< '{"memory": {"limit": 20971520, "checkBeforeUpdate": true}}'
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/memory.max")" = 20971520 ]
	# the saved flag holds for a later flag update too
	run runc update --memory 2m "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: rejecting memory limit 2097152 <= usage 10485760" ]
	[ "$(cat "$CG/memory.max")" = 20971520 ]
	# kernel memory: ignored with runc's warning
	run runc update --kernel-memory 1m "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "oci-update: warning: Kernel memory settings are ignored and will be removed" ]
}

@test "update (v1): --cpu-burst, --cpu-idle and -r blockIO throttles, read back from the v1 files" {
	requires_cgroup_v1
	start_sleeper
	dev=
	for f in /sys/block/*/dev; do dev=$(cat "$f") && break; done
	run runc update --cpu-burst 1000 --cpu-idle 1 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cg cpu cpu.cfs_burst_us)" = 1000 ]
	[ "$(cg cpu cpu.idle)" = 1 ]
	run runc update -r - "$ID" <<< "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 4096}],
		\"throttleWriteIOPSDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 9}]}}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cg blkio blkio.throttle.read_bps_device)" = "$dev 4096" ]
	[ "$(cg blkio blkio.throttle.write_iops_device)" = "$dev 9" ]
	# v1 only: net_cls is not mounted here, as runc refuses
	run runc update -r - "$ID" <<< '{"network": {"classID": 5}}'
	if [ -d /sys/fs/cgroup/net_cls ]; then
		[ "$status" -eq 0 ]
		[ "$(cg net_cls net_cls.classid)" = 5 ]
	else
		[ "$status" -eq 1 ]
		[[ "$output" == "oci-update: spec line "*": cgroup.net.classID needs the net_cls controller, which is not mounted" ]]
	fi
}

@test "update (v2): --cpu-burst, --cpu-idle and checkBeforeUpdate on the real v2 files" {
	requires_cgroup_v2
	start_sleeper
	d=$(cg_dir cpu)
	run runc update --cpu-burst 1000 --cpu-idle 1 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/cpu.max.burst")" = 1000 ]
	[ "$(cat "$d/cpu.idle")" = 1 ]
	run runc update -r - "$ID" <<< '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-update: rejecting memory limit 4096 <= usage "* ]]
	[ "$(cat "$d/memory.max")" = max ]
	[ "$(runc state "$ID" | jq -r .status)" = running ]
}

@test "update (v2): memory, cpu, cpuset and pids flags and -r, read back from the v2 files (twin of the v1 ones)" {
	requires_cgroup_v2
	start_sleeper
	d=$(cg_dir memory)
	run runc update --memory 64m --memory-swap 128m --memory-reservation 32m --pids-limit 42 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/memory.swap.max")" = 67108864 ]
	[ "$(cat "$d/memory.low")" = 33554432 ]
	[ "$(cat "$d/pids.max")" = 42 ]
	run runc update --cpu-share 512 --cpu-period 50000 --cpu-quota 25000 --cpuset-cpus 0 --cpuset-mems 0 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/cpu.weight")" = 59 ]
	[ "$(cat "$d/cpu.max")" = "25000 50000" ]
	[ "$(cat "$d/cpuset.cpus")" = 0 ]
	[ "$(cat "$d/cpuset.mems")" = 0 ]
	run runc update -r - "$ID" <<< '{"memory": {"limit": -1}, "cpu": {"quota": -1}, "pids": {"limit": -1}, "unified": {"memory.high": "52428800"}}'
	[ "$status" -eq 0 ]
	[ "$(cat "$d/memory.max")" = max ]
	[ "$(cat "$d/memory.swap.max")" = max ]
	[ "$(cat "$d/cpu.max")" = "max 50000" ]
	[ "$(cat "$d/pids.max")" = max ]
	[ "$(cat "$d/memory.high")" = 52428800 ] # in pages: a multiple of 4096 reads back as written
}
