#!/usr/bin/env bats
# oci-cgroup alone: a hand-written spec on fd 3. Fake cgroupfs trees
# (plain directories, -r/-t/-s) check the exact files written; the real
# tests create cgroups under our own cgroup (relative paths, unique names)
# and remove them in teardown from the cgroup.dir records.
load helpers

setup() {
  T=$BATS_TEST_TMPDIR
  NAME=ocg-$$-$BATS_TEST_NUMBER
  # a stand-in teardown: oci-cgroup chain-loads into it on failure when the
  # spec has state.dir; it keeps the spec so that teardown() can clean up
  # the state dir oci-parse would have made (oci-cgroup saves the spec there)
  mkdir -p "$T/td" "$T/state"
  cat > "$T/td/oci-delete" <<'EOF'
#!/bin/sh
cat /dev/fd/3 > "$OCG_OUT"
echo "oci-delete $*" >&2
exit "${2#--exit=}"
EOF
  chmod +x "$T/td/oci-delete"
  export OCG_OUT=$T/out.spec
  export PATH="$T/td:$PATH"
}

# remove what the run created: the "new" cgroup.dir records, last first
teardown() {
  [ -z "${OCG_TOP:-}" ] || rm -rf "$OCG_TOP"
  [ -f "$OCG_OUT" ] || return 0
  grep '^cgroup\.dir [^ ]* /sys/fs/cgroup/.* new$' "$OCG_OUT" | cut -d' ' -f3 | tac | while read -r d; do
    [ -d "$d" ] && rmdir "$d"
  done
  return 0
}

# the next program: keep the spec, then print the records oci-cgroup added
SAVE='cat /dev/fd/3 > "$OCG_OUT"; grep "^cgroup\.\(dir\|join\|v2fd\)" "$OCG_OUT"'

requires_v1() {
  requires_root
  [ "$(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] || skip "no cgroup v1 memory hierarchy"
}

requires_unified() {
  requires_root
  [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 at /sys/fs/cgroup/unified"
}

@test "oci-cgroup without arguments prints its usage and exits 100" {
  run bin/oci-cgroup 3<&-
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: usage: oci-cgroup [-r root] [-t v1|v2|hybrid] [-s file] prog..." ]
  run bin/oci-cgroup -t v3 true 3<&-
  [ "$status" -eq 100 ]
}

@test "oci-cgroup refuses an unknown cgroup record with 100 and creates nothing" {
  mkdir "$T/cg"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 1048576" "cgroup.memory.foo 1")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 4: unknown record cgroup.memory.foo" ]
  [ -z "$(ls "$T/cg")" ]
}

@test "oci-cgroup refuses .., . and empty components in cgroup.path" {
  mkdir "$T/cg"
  echo "0::/" > "$T/self"
  for p in a/../b ./a a//b a/ /; do
    s=$(spec "cgroup.path $p")
    run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
    [ "$status" -eq 100 ]
    [ "$output" = "oci-cgroup: spec line 2: bad cgroup.path $p" ]
  done
  s=$(spec "cgroup.path c1" "cgroup.pids.limit lots")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: bad value for cgroup.pids.limit" ]
  s=$(spec "cgroup.path c1" "cgroup.device allow c 1 3 rwx")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: bad cgroup.device" ]
  [ -z "$(ls "$T/cg")" ]
}

@test "oci-cgroup writes the exact v2 files on a fake tree, enabling what is missing in every ancestor from the root down" {
  mkdir -p "$T/cg/user.slice/me"
  echo "memory cpu" > "$T/cg/cgroup.subtree_control"
  echo "cpu cpuset hugetlb memory pids" > "$T/cg/user.slice/cgroup.subtree_control"
  # as runc's fs2: a relative path goes under the parent of our own cgroup
  echo "0::/user.slice/me/job" > "$T/self"
  s=$(spec "cgroup.path pod/c1" \
    "cgroup.memory.limit 104857600" "cgroup.memory.reservation 52428800" "cgroup.memory.swap 209715200" \
    "cgroup.cpu.shares 1024" "cgroup.cpu.quota 50000" "cgroup.cpu.period 100000" "cgroup.cpu.cpus 0" \
    "cgroup.pids.limit -1" "cgroup.unified hugetlb.2MB.max 2097152")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" sh -c "$SAVE" 3< "$s"
  [ "$status" -eq 0 ]
  d=$T/cg/user.slice/me/pod
  [ "${lines[0]}" = "cgroup.dir unified $d new" ]
  [ "${lines[1]}" = "cgroup.dir unified $d/c1 new" ]
  [[ "${lines[2]}" =~ ^cgroup\.v2fd\ [0-9]+$ ]]
  [ "${#lines[@]}" -eq 3 ]
  # read first: only what is missing is written, one write per cgroup here
  [ "$(cat "$T/cg/cgroup.subtree_control")" = "+cpuset +pids +hugetlb" ]
  [ "$(cat "$T/cg/user.slice/cgroup.subtree_control")" = "cpu cpuset hugetlb memory pids" ]
  [ "$(cat "$T/cg/user.slice/me/cgroup.subtree_control")" = "+memory +cpu +cpuset +pids +hugetlb" ]
  [ "$(ls "$T/cg/user.slice/me" | sort | tr '\n' ' ')" = "cgroup.subtree_control pod " ]
  [ "$(cat "$d/cgroup.subtree_control")" = "+memory +cpu +cpuset +pids +hugetlb" ]
  [ ! -e "$d/c1/cgroup.subtree_control" ]
  cd "$d/c1"
  [ "$(cat memory.max)" = 104857600 ]
  [ "$(cat memory.low)" = 52428800 ]
  [ "$(cat memory.swap.max)" = 104857600 ]
  [ "$(cat cpu.weight)" = 100 ]
  [ "$(cat cpu.max)" = "50000 100000" ]
  [ "$(cat cpuset.cpus)" = 0 ]
  [ "$(cat pids.max)" = max ]
  [ "$(cat hugetlb.2MB.max)" = 2097152 ]
  [ "$(ls | sort | tr '\n' ' ')" = "cpu.max cpu.weight cpuset.cpus hugetlb.2MB.max memory.low memory.max memory.swap.max pids.max " ]
}

@test "oci-cgroup converts shares to cpu.weight and quota -1 to max on v2" {
  mkdir "$T/cg"
  echo "0::/" > "$T/self"
  for sw in "2 1" "512 59" "2048 174" "262144 10000"; do
    set -- $sw
    s=$(spec "cgroup.path c$1" "cgroup.cpu.shares $1" "cgroup.cpu.quota -1")
    run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
    [ "$status" -eq 0 ]
    [ "$(cat "$T/cg/c$1/cpu.weight")" = "$2" ]
    [ "$(cat "$T/cg/c$1/cpu.max")" = "max 100000" ]
  done
}

@test "oci-cgroup records existing components and writes only cgroup.subtree_control into them" {
  mkdir -p "$T/cg/pod"
  echo pids > "$T/cg/cgroup.subtree_control"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path pod/c1/x" "cgroup.pids.limit 5")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" sh -c "$SAVE" 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.dir unified $T/cg/pod existing" ]
  [ "${lines[1]}" = "cgroup.dir unified $T/cg/pod/c1 new" ]
  [ "${lines[2]}" = "cgroup.dir unified $T/cg/pod/c1/x new" ]
  [ "$(ls "$T/cg/pod" | sort | tr '\n' ' ')" = "c1 cgroup.subtree_control " ]
  [ "$(cat "$T/cg/pod/cgroup.subtree_control")" = "+pids" ]
  [ "$(cat "$T/cg/cgroup.subtree_control")" = pids ]
  [ "$(cat "$T/cg/pod/c1/cgroup.subtree_control")" = "+pids" ]
  [ "$(cat "$T/cg/pod/c1/x/pids.max")" = 5 ]
}

@test "oci-cgroup refuses what cgroup v2 cannot do, and v2 keys without cgroup v2" {
  mkdir -p "$T/cg/memory"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.memory.swap 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.memory.swap needs a cgroup.memory.limit on cgroup v2" ]
  s=$(spec "cgroup.path c1" "cgroup.cpu.realtimeRuntime 1000")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.cpu.realtimeRuntime is not supported on cgroup v2" ]
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 2097152" "cgroup.memory.swap 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 4: cgroup.memory.swap is below cgroup.memory.limit" ]
  echo "1:memory:/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.unified memory.high 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.unified memory.high: invalid configuration: cannot use unified on cgroup v1" ]
  [ -z "$(ls "$T/cg/memory")" ]
  [ ! -e "$T/cg/c1" ]
}

@test "oci-cgroup hands its fds above the spec fd and leaks nothing else" {
  mkdir -p "$T/cg/memory" "$T/cg/unified"
  printf '%s\n' 1:memory:/ 0::/ > "$T/self"
  s=$(spec "cgroup.path c1")
  base=$(OCI_SPEC_FD=7 "$PROBE" fds 7< "$s" 3<&-)
  OCI_SPEC_FD=7 run bin/oci-cgroup -r "$T/cg" -s "$T/self" sh -c \
    'grep "^cgroup\.\(join\|v2fd\)" /dev/fd/7 | while read -r k fd; do echo "$k $fd $(readlink /proc/self/fd/$fd)"; done; exec "$0" fds' \
    "$PROBE" 7< "$s" 3<&-
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.join 8 $T/cg/memory/c1/tasks" ]
  [ "${lines[1]}" = "cgroup.v2fd 9 $T/cg/unified/c1" ]
  # probe fds: exactly the fds probe had without oci-cgroup, plus the two
  want=$(printf '%s\n' $base 8 9 | sort -n | tr '\n' ' ')
  [ "$(printf '%s\n' ${lines[2]} | sort -n | tr '\n' ' ')" = "$want" ]
}

@test "oci-cgroup on a fake v1 tree: absolute path, comounted and named hierarchies, cpuset copied from the parent" {
  mkdir -p "$T/cg/cpu,cpuacct" "$T/cg/memory/sandbox" "$T/cg/cpuset" "$T/cg/pids" "$T/cg/systemd"
  echo 0-3 > "$T/cg/cpuset/cpuset.cpus"
  echo 0 > "$T/cg/cpuset/cpuset.mems"
  printf '%s\n' 5:pids:/ 4:cpuset:/ 3:memory:/sandbox 2:cpu,cpuacct:/ 1:name=systemd:/ 0::/ > "$T/self"
  s=$(spec "cgroup.path /a/b" "cgroup.memory.limit 1048576" "cgroup.memory.swappiness 10" \
    "cgroup.cpu.shares 512" "cgroup.cpu.quota 20000" "cgroup.cpu.period 100000" "cgroup.cpu.mems 0" \
    "cgroup.pids.limit 0")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" sh -c "$SAVE"' && for f in $(grep "^cgroup.join" /dev/fd/3 | cut -d" " -f2); do readlink /proc/self/fd/$f; done' 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.dir pids $T/cg/pids/a new" ]
  [ "${lines[1]}" = "cgroup.dir pids $T/cg/pids/a/b new" ]
  [ "${lines[2]}" = "cgroup.dir cpuset $T/cg/cpuset/a new" ]
  [ "${lines[4]}" = "cgroup.dir memory $T/cg/memory/a new" ]
  [ "${lines[7]}" = "cgroup.dir cpu,cpuacct $T/cg/cpu,cpuacct/a/b new" ]
  [[ "${lines[8]}" =~ ^cgroup\.join\ [0-9]+$ ]]
  [ "${lines[12]}" = "$T/cg/pids/a/b/tasks" ]
  [ "${lines[15]}" = "$T/cg/cpu,cpuacct/a/b/tasks" ]
  [ "${#lines[@]}" -eq 16 ]
  [ "$(cat "$T/cg/cpuset/a/cpuset.cpus")" = 0-3 ]
  [ "$(cat "$T/cg/cpuset/a/b/cpuset.cpus")" = 0-3 ]
  [ "$(cat "$T/cg/cpuset/a/b/cpuset.mems")" = 0 ]
  [ "$(cat "$T/cg/memory/a/b/memory.limit_in_bytes")" = 1048576 ]
  [ "$(cat "$T/cg/memory/a/b/memory.swappiness")" = 10 ]
  [ "$(cat "$T/cg/cpu,cpuacct/a/b/cpu.shares")" = 512 ]
  [ "$(cat "$T/cg/cpu,cpuacct/a/b/cpu.cfs_period_us")" = 100000 ]
  [ "$(cat "$T/cg/cpu,cpuacct/a/b/cpu.cfs_quota_us")" = 20000 ]
  [ "$(cat "$T/cg/pids/a/b/pids.max")" = max ]
  [ ! -e "$T/cg/systemd/a" ]
  [ ! -e "$T/cg/memory/sandbox/a" ]
}

@test "oci-cgroup refuses a resource whose v1 controller is not mounted" {
  mkdir -p "$T/cg/memory"
  echo "1:memory:/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.pids.limit 10")
  run bin/oci-cgroup -r "$T/cg" -t v1 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: cgroup.pids.limit needs the pids controller, which is not mounted" ]
  [ ! -e "$T/cg/memory/c1" ]
}

@test "oci-cgroup in exec mode joins the recorded dirs and creates nothing" {
  mkdir -p "$T/cg/memory/c1" "$T/cg/unified/c1"
  s=$(spec "run.mode exec" "cgroup.path c1" "cgroup.memory.limit 1048576" \
    "cgroup.dir memory $T/cg/memory/c1 existing" "cgroup.dir unified $T/cg/unified/c1 new")
  run bin/oci-cgroup sh -c 'grep "^cgroup\.\(join\|v2fd\)" /dev/fd/3 | while read -r k fd; do echo "$k $(readlink /proc/self/fd/$fd)"; done' 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.join $T/cg/memory/c1/tasks" ]
  [ "${lines[1]}" = "cgroup.v2fd $T/cg/unified/c1" ]
  [ ! -e "$T/cg/memory/c1/memory.limit_in_bytes" ]
}

@test "oci-cgroup creates a real v1 cgroup under our own, applies limits and hands join fds without moving itself" {
  requires_v1
  s=$(spec "state.dir $T/state" "cgroup.path $NAME/c1" \
    "cgroup.memory.limit 104857600" "cgroup.cpu.shares 512" "cgroup.pids.limit 42" \
    "cgroup.device deny a * * rwm" "cgroup.device allow c 1 3 rwm" "cgroup.device allow c 1 5 r")
  before=$(cat /proc/self/cgroup)
  run bin/oci-cgroup sh -c "$SAVE"' >/dev/null; cat /proc/self/cgroup; for f in $(grep "^cgroup.join" /dev/fd/3 | cut -d" " -f2); do readlink /proc/self/fd/$f; done' 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(sed -n '1,/^0::/p' <<< "$output")" = "$before" ]
  mem=$(grep '^cgroup\.dir memory ' "$OCG_OUT" | tail -1 | cut -d' ' -f3)
  own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
  [ "$mem" = "/sys/fs/cgroup/memory${own%/}/$NAME/c1" ]
  grep -qx "cgroup.dir memory /sys/fs/cgroup/memory${own%/}/$NAME new" "$OCG_OUT"
  [ "$(cat "$mem/memory.limit_in_bytes")" = 104857600 ]
  [[ "$output" == *"$mem/tasks"* ]]
  dev=$(grep '^cgroup\.dir devices ' "$OCG_OUT" | tail -1 | cut -d' ' -f3)
  [ "$(cat "$dev/devices.list")" = "$(printf 'c 1:3 rwm\nc 1:5 r')" ]
  pids=$(grep '^cgroup\.dir pids ' "$OCG_OUT" | tail -1 | cut -d' ' -f3)
  [ "$(cat "$pids/pids.max")" = 42 ]
  cpu=$(grep '^cgroup\.dir [a-z,]*cpu[a-z,]* ' "$OCG_OUT" | grep -v cpuset | tail -1 | cut -d' ' -f3)
  [ "$(cat "$cpu/cpu.shares")" = 512 ]
  # one join fd per v1 hierarchy
  v1=$(grep '^cgroup\.dir ' "$OCG_OUT" | cut -d' ' -f2 | grep -vx unified | sort -u | wc -l)
  [ "$(grep -c '^cgroup\.join ' "$OCG_OUT")" -eq "$v1" ]
}

@test "oci-cgroup: a process writing 0 to a v1 join fd lands in the cgroup and the devices list applies" {
  requires_v1
  s=$(spec "state.dir $T/state" "cgroup.path $NAME" "cgroup.device deny a * * rwm" "cgroup.device allow c 1 5 rwm")
  # bash: dash takes single-digit fds only in redirections
  run bin/oci-cgroup bash -c "$SAVE"' >/dev/null
    fd=$(grep "^cgroup.join" /dev/fd/3 | while read -r k f; do case $(readlink /proc/self/fd/$f) in */devices/*) echo $f;; esac; done)
    (echo 0 >&$fd; grep ":devices:" /proc/self/cgroup; [ "$(head -c1 /dev/zero | wc -c)" = 1 ] && echo zero-ok; cat /dev/null 2>&- || echo null-denied)' 3< "$s"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *":devices:/$NAME" ]]
  [ "${lines[1]}" = zero-ok ]
  [ "${lines[2]}" = null-denied ]
}

@test "oci-cgroup attaches an eBPF device filter on cgroup v2 (/sys/fs/cgroup/unified)" {
  requires_unified
  s=$(spec "state.dir $T/state" "cgroup.path $NAME" "cgroup.device deny a * * rwm" \
    "cgroup.device allow c 1 5 rwm" "cgroup.device allow c 1 3 r" "cgroup.device allow c 1 7 rwm" \
    "cgroup.device deny c 1 7 w")
  run bin/oci-cgroup -t v2 sh -c "$SAVE" 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.dir unified /sys/fs/cgroup/unified/$NAME new" ]
  [[ "${lines[1]}" =~ ^cgroup\.v2fd\ [0-9]+$ ]]
  d=/sys/fs/cgroup/unified/$NAME
  # /dev/full (1:7): allowed rwm, then w denied again; /dev/kmsg (1:11) not listed
  run sh -c "echo \$\$ > $d/cgroup.procs
    [ \$(head -c1 /dev/zero | wc -c) = 1 ] && echo zero-ok
    cat /dev/null && echo null-read-ok
    (: > /dev/null) 2>&- || echo null-write-denied
    (: < /dev/full) 2>&- && echo full-read-ok
    (: > /dev/full) 2>&- || echo full-write-denied
    (: < /dev/kmsg) 2>&- || echo kmsg-denied" 3<&-
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\n' zero-ok null-read-ok null-write-denied full-read-ok full-write-denied kmsg-denied)" ]
}

@test "oci-cgroup: a write failing after the dirs exist names file and dir, and the teardown sees the records" {
  requires_v1
  s=$(spec "state.dir $T/state" "cgroup.path $NAME/c1" "cgroup.cpu.cpus x")
  run bin/oci-cgroup true 3< "$s"
  [ "$status" -eq 111 ]
  d=$(grep '^cgroup\.dir cpuset ' "$OCG_OUT" | tail -1 | cut -d' ' -f3)
  [ "${lines[0]}" = "oci-cgroup: write cpuset.cpus in $d: Invalid argument" ]
  [ "${lines[1]}" = "oci-delete --force --exit=111" ]
  [ -d "$d" ]
  # the state dir got the records before the dirs were made (a create killed now leaves them to oci-delete)
  grep -qx "cgroup.dir cpuset $d new" "$T/state/spec"
  ! grep -q '^cgroup\.join' "$OCG_OUT"
}

@test "oci-cgroup on v2 refuses a controller the hierarchy does not have, before making anything" {
  mkdir "$T/cg"
  echo "cpu io memory" > "$T/cg/cgroup.controllers"
  echo "0::/" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.memory.limit 1048576" "cgroup.pids.limit 10")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: cgroup v2 controller pids is not available: not in $T/cg/cgroup.controllers (\"cpu io memory\")" ]
  [ "$(ls "$T/cg")" = cgroup.controllers ]
}

@test "oci-cgroup on a hybrid host writes no subtree_control it did not make: a missing controller is an error" {
  mkdir -p "$T/cg/memory" "$T/cg/unified/me"
  echo "" > "$T/cg/unified/cgroup.subtree_control"
  echo "hugetlb" > "$T/cg/unified/me/cgroup.subtree_control"
  printf '%s\n' 1:memory:/ 0::/me > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.hugetlb 2MB 2097152")
  run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-cgroup: cgroup v2 controller hugetlb is not enabled in $T/cg/unified/cgroup.subtree_control (not made by this run: on a hybrid host only those are written to)" ]
  [ -z "$(ls "$T/cg/memory")" ]
  [ "$(ls "$T/cg/unified/me")" = cgroup.subtree_control ]
  # delegated all the way down: only the new cgroups get it
  echo "hugetlb" > "$T/cg/unified/cgroup.subtree_control"
  s=$(spec "cgroup.path p/c1" "cgroup.hugetlb 2MB 2097152")
  run bin/oci-cgroup -r "$T/cg" -t hybrid -s "$T/self" true 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/cg/unified/cgroup.subtree_control")" = hugetlb ]
  [ "$(cat "$T/cg/unified/me/cgroup.subtree_control")" = hugetlb ]
  [ "$(cat "$T/cg/unified/me/p/cgroup.subtree_control")" = +hugetlb ]
  [ "$(cat "$T/cg/unified/me/p/c1/hugetlb.2MB.max")" = 2097152 ]
}

@test "oci-cgroup on v2 never writes to a cgroup with processes of its own: what it lacks is an error" {
  mkdir -p "$T/cg/svc"
  echo 4242 > "$T/cg/svc/cgroup.procs"
  echo "pids" > "$T/cg/svc/cgroup.subtree_control"
  echo "0::/svc/job" > "$T/self"
  s=$(spec "cgroup.path c1" "cgroup.pids.limit 10")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/cg/svc/cgroup.subtree_control")" = pids ]
  [ "$(cat "$T/cg/cgroup.subtree_control")" = +pids ]
  [ "$(cat "$T/cg/svc/c1/pids.max")" = 10 ]
  s=$(spec "cgroup.path c2" "cgroup.memory.limit 1048576")
  run bin/oci-cgroup -r "$T/cg" -t v2 -s "$T/self" true 3< "$s"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-cgroup: cgroup v2 controller memory is not enabled in $T/cg/svc/cgroup.subtree_control (a cgroup with processes of its own cannot delegate it)" ]
  [ ! -e "$T/cg/svc/c2" ]
  [ "$(cat "$T/cg/svc/cgroup.subtree_control")" = pids ]
}

@test "oci-cgroup with cgroup.rootless as a non-root caller: an unwritable hierarchy is left out, a limit there refused, a delegated one used" {
  requires_root
  # a fake v2 tree nobody can reach but not write (bats' tmp dirs are 0700)
  local top
  top=$(mktemp -d /tmp/ocg-rootless.XXXXXX)
  OCG_TOP=$top # teardown removes it
  chmod 755 "$top"
  mkdir -p "$top/cg/me"
  echo "0::/me/job" > "$top/self"
  local as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  local show='grep "^cgroup\.\(dir\|join\|v2fd\)" /proc/self/fd/3 || echo none'
  s=$(spec "cgroup.path c1" "cgroup.rootless implicit" "cgroup.device deny a * * rwm")
  run "${as_nobody[@]}" bin/oci-cgroup -r "$top/cg" -t v2 -s "$top/self" sh -c "$show" 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = none ]
  s=$(spec "cgroup.path c1" "cgroup.rootless implicit" "cgroup.pids.limit 10")
  run "${as_nobody[@]}" bin/oci-cgroup -r "$top/cg" -t v2 -s "$top/self" sh -c "$show" 3< "$s"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-cgroup: spec line 4: cgroup.pids.limit: cannot set this limit: rootless container cannot create cgroup $top/cg/me/c1: Permission denied" ]
  # explicit: never left out, the mkdir itself fails
  s=$(spec "cgroup.path c1" "cgroup.rootless explicit")
  run "${as_nobody[@]}" bin/oci-cgroup -r "$top/cg" -t v2 -s "$top/self" sh -c "$show" 3< "$s"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-cgroup: mkdir $top/cg/me/c1: Permission denied" ]
  [ -z "$(ls "$top/cg/me")" ]
  # delegated (owned by the caller, pids enabled above it): made, the limit written
  echo pids > "$top/cg/cgroup.subtree_control"
  chown -R 65534:65534 "$top/cg/me"
  s=$(spec "cgroup.path c1" "cgroup.rootless implicit" "cgroup.pids.limit 10")
  run "${as_nobody[@]}" bin/oci-cgroup -r "$top/cg" -t v2 -s "$top/self" sh -c "$show" 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "cgroup.dir unified $top/cg/me/c1 new" ]
  [ "$(cat "$top/cg/me/c1/pids.max")" = 10 ]
  s=$(spec "cgroup.path c1" "cgroup.rootless maybe")
  run bin/oci-cgroup -r "$top/cg" -t v2 -s "$top/self" true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-cgroup: spec line 3: bad cgroup.rootless" ]
}
