#!/usr/bin/env bats
# oci-cgroup's resources on fake cgroupfs trees (plain directories, -r ROOT
# -t v1|v2|hybrid -s SELF): every linux.resources record to the exact file
# of each layout, runc's v1 -> v2 conversions, and what each layout
# refuses or ignores. Nothing here needs root: the trees are ours.
load helpers

setup() {
  T=$BATS_TEST_TMPDIR
}

# every resource record, one entry per list
ALL=("cgroup.memory.limit 104857600" "cgroup.memory.reservation 52428800" "cgroup.memory.swap 209715200"
  "cgroup.memory.kernelTCP 16777216" "cgroup.memory.swappiness 10" "cgroup.memory.disableOOMKiller 1"
  "cgroup.memory.useHierarchy 1" "cgroup.memory.checkBeforeUpdate 1"
  "cgroup.cpu.shares 512" "cgroup.cpu.quota 50000" "cgroup.cpu.period 200000" "cgroup.cpu.burst 1000"
  "cgroup.cpu.idle 1" "cgroup.cpu.cpus 0-1" "cgroup.cpu.mems 0"
  "cgroup.pids.limit 99" "cgroup.blkio.weight 500" "cgroup.blkio.leafWeight 300"
  "cgroup.blkio.weightDevice 8 0 600 700" "cgroup.blkio.throttleReadBps 8 0 1048576"
  "cgroup.blkio.throttleWriteBps 8 0 2097152" "cgroup.blkio.throttleReadIops 8 0 100"
  "cgroup.blkio.throttleWriteIops 8 0 200" "cgroup.hugetlb 2MB 4194304")

@test "oci-cgroup-res: every resource to its v1 file, each controller in its own hierarchy" {
  for c in memory "cpu,cpuacct" cpuset pids blkio hugetlb "net_cls,net_prio" rdma; do mkdir -p "$T/cg/$c"; done
  echo 0-3 > "$T/cg/cpuset/cpuset.cpus"
  echo 0 > "$T/cg/cpuset/cpuset.mems"
  printf '%s\n' 8:rdma:/ 7:net_cls,net_prio:/ 6:hugetlb:/ 5:blkio:/ 4:pids:/ 3:cpuset:/ 2:memory:/ 1:cpu,cpuacct:/ > "$T/self"
  s=$(spec "cgroup.path c1" "${ALL[@]}" "cgroup.cpu.realtimePeriod 1000000" "cgroup.cpu.realtimeRuntime 5000" \
    "cgroup.net.classID 1048577" "cgroup.net.priority eth0 5" "cgroup.rdma mlx5_1 3 -" "cgroup.memory.kernel 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  echo "$output"
  [ "$status" -eq 0 ]
  # kernel memory: ignored with runc's warning
  [ "$output" = "oci-cgroup: warning: Kernel memory settings are ignored and will be removed" ]
  cd "$T/cg/memory/c1"
  [ "$(cat memory.limit_in_bytes)" = 104857600 ]
  [ "$(cat memory.memsw.limit_in_bytes)" = 209715200 ]
  [ "$(cat memory.soft_limit_in_bytes)" = 52428800 ]
  [ "$(cat memory.kmem.tcp.limit_in_bytes)" = 16777216 ]
  [ "$(cat memory.swappiness)" = 10 ]
  [ "$(cat memory.oom_control)" = 1 ]
  [ "$(cat memory.use_hierarchy)" = 1 ]
  [ ! -e memory.kmem.limit_in_bytes ]
  cd "$T/cg/cpu,cpuacct/c1"
  [ "$(cat cpu.shares)" = 512 ]
  [ "$(cat cpu.cfs_quota_us)" = 50000 ]
  [ "$(cat cpu.cfs_period_us)" = 200000 ]
  [ "$(cat cpu.cfs_burst_us)" = 1000 ]
  [ "$(cat cpu.idle)" = 1 ]
  [ "$(cat cpu.rt_period_us)" = 1000000 ]
  [ "$(cat cpu.rt_runtime_us)" = 5000 ]
  [ "$(cat "$T/cg/cpuset/c1/cpuset.cpus")" = 0-1 ]
  [ "$(cat "$T/cg/cpuset/c1/cpuset.mems")" = 0 ]
  [ "$(cat "$T/cg/pids/c1/pids.max")" = 99 ]
  cd "$T/cg/blkio/c1"
  # no blkio.bfq.weight here: CFQ's file names, as runc
  [ "$(cat blkio.weight)" = 500 ]
  [ "$(cat blkio.leaf_weight)" = 300 ]
  [ "$(cat blkio.weight_device)" = "8:0 600" ]
  [ "$(cat blkio.leaf_weight_device)" = "8:0 700" ]
  [ "$(cat blkio.throttle.read_bps_device)" = "8:0 1048576" ]
  [ "$(cat blkio.throttle.write_bps_device)" = "8:0 2097152" ]
  [ "$(cat blkio.throttle.read_iops_device)" = "8:0 100" ]
  [ "$(cat blkio.throttle.write_iops_device)" = "8:0 200" ]
  [ "$(cat "$T/cg/hugetlb/c1/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
  [ "$(cat "$T/cg/hugetlb/c1/hugetlb.2MB.rsvd.limit_in_bytes")" = 4194304 ]
  [ "$(cat "$T/cg/net_cls,net_prio/c1/net_cls.classid")" = 1048577 ]
  [ "$(cat "$T/cg/net_cls,net_prio/c1/net_prio.ifpriomap")" = "eth0 5" ]
  [ "$(cat "$T/cg/rdma/c1/rdma.max")" = "mlx5_1 hca_handle=3" ]
}

@test "oci-cgroup-res: the bfq scheduler's v1 weight files where they exist" {
  mkdir -p "$T/cg/blkio/c1"
  echo 100 > "$T/cg/blkio/c1/blkio.bfq.weight"
  echo 5:blkio:/ > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.blkio.weight 800" "cgroup.blkio.weightDevice 8 16 900 0")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/cg/blkio/c1/blkio.bfq.weight")" = 800 ]
  [ "$(cat "$T/cg/blkio/c1/blkio.bfq.weight_device")" = "8:16 900" ]
  [ ! -e "$T/cg/blkio/c1/blkio.weight" ]
  [ ! -e "$T/cg/blkio/c1/blkio.leaf_weight_device" ]
}

@test "oci-cgroup-res: every resource to its v2 file, with runc's conversions" {
  mkdir -p "$T/cg/me"
  echo "0::/me/job" > "$T/self" # runc's v2 rule: under the parent of our own cgroup
  s=$(spec "cgroup.path pod/c1" "${ALL[@]}" "cgroup.rdma mlx5_1 3 40" "cgroup.net.classID 7" "cgroup.net.priority eth0 5")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  echo "$output"
  [ "$status" -eq 0 ]
  # what v2 has no file for: ignored, each with a warning
  [ "${lines[0]}" = "oci-cgroup: warning: Kernel memory settings are ignored and will be removed" ]
  [ "${lines[1]}" = "oci-cgroup: warning: cgroup.memory.swappiness is not supported on cgroup v2, ignored" ]
  [ "${lines[2]}" = "oci-cgroup: warning: cgroup.memory.disableOOMKiller is not supported on cgroup v2, ignored" ]
  [ "${lines[3]}" = "oci-cgroup: warning: cgroup.memory.useHierarchy is not supported on cgroup v2, ignored" ]
  [ "${lines[4]}" = "oci-cgroup: warning: cgroup.blkio.leafWeight is not supported on cgroup v2, ignored" ]
  [ "${lines[5]}" = "oci-cgroup: warning: cgroup.blkio.weightDevice 8:0 needs the bfq scheduler's per-device io.bfq.weight, ignored" ]
  [ "${lines[6]}" = "oci-cgroup: warning: cgroup.net.classID is not supported on cgroup v2, ignored" ]
  [ "${lines[7]}" = "oci-cgroup: warning: cgroup.net.priority is not supported on cgroup v2, ignored" ]
  [ "${#lines[@]}" -eq 8 ]
  [ "$(cat "$T/cg/me/pod/cgroup.subtree_control")" = "+memory +cpu +cpuset +pids +io +hugetlb +rdma" ]
  cd "$T/cg/me/pod/c1"
  [ "$(cat memory.max)" = 104857600 ]
  [ "$(cat memory.low)" = 52428800 ]
  [ "$(cat memory.swap.max)" = 104857600 ]
  [ "$(cat cpu.weight)" = 59 ]
  [ "$(cat cpu.max)" = "50000 200000" ]
  [ "$(cat cpu.max.burst)" = 1000 ]
  [ "$(cat cpu.idle)" = 1 ]
  [ "$(cat cpuset.cpus)" = 0-1 ]
  [ "$(cat cpuset.mems)" = 0 ]
  [ "$(cat pids.max)" = 99 ]
  # blkio weight 500 -> 1 + (500 - 10) * 9999 / 990
  [ "$(cat io.weight)" = 4950 ]
  [ "$(cat io.max)" = "8:0 rbps=1048576 wbps=2097152 riops=100 wiops=200" ]
  [ "$(cat hugetlb.2MB.max)" = 4194304 ]
  [ "$(cat hugetlb.2MB.rsvd.max)" = 4194304 ]
  [ "$(cat rdma.max)" = "mlx5_1 hca_handle=3 hca_object=40" ]
  [ ! -e memory.swappiness ]
  [ ! -e net_cls.classid ]
}

@test "oci-cgroup-res: v2 weights through bfq, per device where it reads 'default N'" {
  mkdir -p "$T/cg/c1"
  printf 'default 100\n' > "$T/cg/c1/io.bfq.weight"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.blkio.weight 800" "cgroup.blkio.weightDevice 8 16 900 0")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # a fake file keeps the last write: the device weight came after the weight
  [ "$(cat "$T/cg/c1/io.bfq.weight")" = "8:16 900" ]
  [ ! -e "$T/cg/c1/io.weight" ]
}

@test "oci-cgroup-res: checkBeforeUpdate refuses a v2 limit at or below the usage, as runc" {
  mkdir -p "$T/cg/c1"
  echo 10485760 > "$T/cg/c1/memory.current"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 1048576" "cgroup.memory.checkBeforeUpdate 1")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: rejecting memory limit 1048576 <= usage 10485760" ]
  [ ! -e "$T/cg/c1/memory.max" ]
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 20971520" "cgroup.memory.swap 10485760" "cgroup.memory.checkBeforeUpdate 1")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 4: cgroup.memory.swap is below cgroup.memory.limit" ]
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 20971520" "cgroup.memory.checkBeforeUpdate 1")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/cg/c1/memory.max")" = 20971520 ]
  # without it, a limit below the usage is written (the kernel reclaims or kills)
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/cg/c1/memory.max")" = 1048576 ]
}

@test "oci-cgroup-res: hybrid: each controller where it is (hugetlb on the unified hierarchy, memory on v1)" {
  mkdir -p "$T/cg/memory" "$T/cg/unified"
  printf '%s\n' 2:memory:/ 0::/ > "$T/self"
  s=$(spec "cgroup.path a/c1" "cgroup.memory.limit 1048576" "cgroup.hugetlb 2MB 2097152" "cgroup.hugetlb 1GB 0" \
    "cgroup.hugetlb 2MB 4194304" "cgroup.rdma mlx5_0 - 9")
  run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(cat "$T/cg/memory/a/c1/memory.limit_in_bytes")" = 1048576 ]
  [ ! -e "$T/cg/unified/a/c1/memory.max" ]
  # hugetlb v2 files; a later record for the same page size replaces it
  [ "$(cat "$T/cg/unified/a/c1/hugetlb.2MB.max")" = 4194304 ]
  [ "$(cat "$T/cg/unified/a/c1/hugetlb.1GB.max")" = 0 ]
  [ "$(cat "$T/cg/unified/a/c1/rdma.max")" = "mlx5_0 hca_object=9" ]
  [ "$(cat "$T/cg/unified/a/cgroup.subtree_control")" = "+hugetlb +rdma" ]
  [ ! -e "$T/cg/memory/a/cgroup.subtree_control" ]
}

@test "oci-cgroup-res: refused before anything is made: unified on v1 or hybrid, v1-only controllers not mounted, bad records" {
  mkdir -p "$T/cg/memory" "$T/cg/unified"
  printf '%s\n' 2:memory:/ 0::/ > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.unified memory.high 1048576")
  run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.unified memory.high: invalid configuration: cannot use unified on cgroup v1" ]
  s=$(spec "cgroup.path c1" "cgroup.net.classID 7")
  run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.net.classID needs the net_cls controller, which is not mounted" ]
  s=$(spec "cgroup.path c1" "cgroup.net.priority eth0 1")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.net.priority needs the net_prio controller, which is not mounted" ]
  s=$(spec "cgroup.path c1" "cgroup.hugetlb 2MB 1")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.hugetlb needs the hugetlb controller, which is not mounted" ]
  for r in "cgroup.hugetlb 2M 1" "cgroup.hugetlb ../x 1" "cgroup.blkio.weightDevice 8 0 2000 0" \
    "cgroup.blkio.throttleReadBps 8 x 1" "cgroup.net.priority eth/0 1" "cgroup.rdma mlx5_1 - -" \
    "cgroup.rdma mlx5_1 x 1" "cgroup.memory.checkBeforeUpdate 2" "cgroup.blkio.leafWeight 1001"; do
    s=$(spec "cgroup.path c1" "$r")
    run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
    echo "$r: $output"
    [ "$status" -eq 100 ]
    [[ "$output" == "oci-cgroup: spec line 3: bad "* ]]
  done
  [ -z "$(find "$T/cg" -mindepth 2)" ]
}
