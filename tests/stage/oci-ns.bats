#!/usr/bin/env bats
# oci-ns alone: hand-written specs on fd 3, probe (or sh) as the chain
# inside. No state.dir unless a test says so, so no teardown runs.
load helpers

setup() {
  requires_root
  pids=()
  cgs=()
}

teardown() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for c in "${cgs[@]}"; do rmdir "$c" 2>/dev/null || true; done
}

# a process with its own namespaces to join: unshare FLAGS... -> $target
start_target() {
  unshare "$@" sleep 100 3>&- &
  pids+=($!)
  target=$!
  if [[ " $* " == *" --fork "* ]]; then # the sleep is unshare's child
    for _ in $(seq 50); do
      read -r target < "/proc/$!/task/$!/children" 2>/dev/null && [ -n "$target" ] && break
      sleep 0.05
    done
  fi
  for _ in $(seq 50); do [ "$(readlink "/proc/$target/exe")" != "$(command -v unshare)" ] && break; sleep 0.05; done
}

@test "no arguments: usage, 100" {
  run bin/oci-ns 3< "$(spec)"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: usage: oci-ns prog..." ]
}

@test "an unknown namespace type is refused with 100" {
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'ns.new bogus')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: unknown namespace type bogus" ]
}

@test "a namespace both new and joined is refused" {
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'ns.join uts /proc/self/ns/uts')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: duplicate namespace type uts" ]
}

@test "an unknown ns. record is refused" {
  run bin/oci-ns probe pid 3< "$(spec 'ns.frob 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 2: unknown record ns.frob" ]
}

@test "new namespaces differ from the host's" {
  s=$(spec 'ns.new uts' 'ns.new ipc' 'ns.new network' 'ns.new mount' 'ns.new pid' 'ns.new cgroup')
  run bin/oci-ns probe ns uts -- ns ipc -- ns net -- ns mnt -- ns pid -- ns cgroup -- pid 3< "$s"
  [ "$status" -eq 0 ]
  i=0
  for t in uts ipc net mnt pid cgroup; do
    [[ "${lines[$i]}" == "$t:["* ]]
    [ "${lines[$i]}" != "$(readlink /proc/self/ns/$t)" ]
    i=$((i + 1))
  done
  [ "${lines[6]}" = 1 ] # the first process of a new pid namespace
}

@test "without ns.new the host's namespaces are kept" {
  run bin/oci-ns probe ns uts -- ns net 3< "$(spec 'ns.new ipc')"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/self/ns/uts)" ]
  [ "${lines[1]}" = "$(readlink /proc/self/ns/net)" ]
}

@test "hostname and domainname are set in the new uts namespace" {
  run bin/oci-ns probe hostname -- domainname 3< "$(spec 'ns.new uts' 'hostname c1' 'domainname example.org')"
  [ "$status" -eq 0 ]
  [ "$output" = "c1
example.org" ]
  [ "$(hostname)" != c1 ]
}

@test "a hostname without a uts namespace is refused like runc" {
  run bin/oci-ns probe hostname 3< "$(spec 'ns.new ipc' 'hostname c1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: hostname without a private uts namespace" ]
}

@test "a uts namespace is joined by path" {
  start_target --uts
  run bin/oci-ns probe ns uts -- hostname 3< "$(spec "ns.join uts /proc/$target/ns/uts" 'hostname joined')"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/$target/ns/uts)" ]
  [ "${lines[1]}" = joined ]
  [ "$(nsenter -t "$target" -u hostname)" = joined ]
}

@test "a pid namespace is joined by path: the init is a member, not its init" {
  start_target --pid --fork --uts
  s=$(spec "ns.join pid /proc/$target/ns/pid" "ns.join uts /proc/$target/ns/uts" 'ns.new mount')
  run bin/oci-ns probe ns pid -- pid -- ns uts 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/$target/ns/pid)" ]
  [ "${lines[1]}" -gt 1 ]
  [ "${lines[2]}" = "$(readlink /proc/$target/ns/uts)" ]
}

@test "joining a missing namespace fails with 111 and one message" {
  run bin/oci-ns probe pid 3< "$(spec 'ns.join network /nonexistent/net')"
  [ "$status" -eq 111 ]
  [ "$output" = "oci-ns: open network namespace /nonexistent/net: No such file or directory" ]
}

@test "loopback is up in a new network namespace" {
  run bin/oci-ns ip -o link show lo 3< "$(spec 'ns.new network')"
  [ "$status" -eq 0 ]
  [[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
}

@test "the init's exit status is passed through" {
  run bin/oci-ns probe exit 7 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 7 ]
  # the chain inside keeps signals blocked until oci-exec resets the mask;
  # dash clears its mask after its first fork, hence the /bin/true
  run bin/oci-ns sh -c '/bin/true; kill -TERM $$' 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 143 ]
  run bin/oci-ns sh -c 'kill -KILL $$' 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 137 ]
}

@test "the child keeps every signal blocked" {
  run bin/oci-ns probe sigmask 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 0 ]
  [[ "$output" == *"SigBlk:	fffffffe7ffbfeff"* ]]
}

@test "signals to the monitor are forwarded to the init" {
  f=$BATS_TEST_TMPDIR/ready
  bin/oci-ns sh -c "touch $f; exec sleep 20" 3< "$(spec 'ns.new uts')" &
  m=$!
  pids+=($m)
  for _ in $(seq 100); do [ -e "$f" ] && break; sleep 0.05; done
  kill -TERM "$m"
  st=0
  wait "$m" || st=$?
  [ "$st" -eq 143 ]
}

@test "signals reach an init of a new pid namespace that traps them" {
  f=$BATS_TEST_TMPDIR/ready
  bin/oci-ns sh -c "trap 'exit 42' USR1; touch $f; while :; do sleep 0.1; done" 3< "$(spec 'ns.new pid')" &
  m=$!
  pids+=($m)
  for _ in $(seq 100); do [ -e "$f" ] && break; sleep 0.05; done
  kill -USR1 "$m"
  st=0
  wait "$m" || st=$?
  [ "$st" -eq 42 ]
}

@test "the child's spec ends with ns.sync and that fd is open; nothing else leaks" {
  base=$(probe fds)
  run bin/oci-ns probe cat /proc/self/fd/3 -- fds 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 0 ]
  n=${#lines[@]}
  [[ "${lines[n - 2]}" == "ns.sync "* ]]
  fd=${lines[n - 2]#ns.sync }
  want=$(printf '%s\n' $base 3 "$fd" | sort -nu | tr '\n' ' ')
  got=$(printf '%s\n' ${lines[n - 1]} | sort -n | tr '\n' ' ')
  [ "$got" = "$want" ]
  [[ "${lines[n - 3]}" =~ ^ns.pid\ [0-9]+$ ]] # the child's host pid, for hooks
}

@test "a new user namespace gets its id maps and the init is root in it" {
  s=$(spec 'ns.new user' 'ns.new mount' 'idmap.uid 0 100000 65536' 'idmap.gid 0 200000 1000')
  run bin/oci-ns probe id -- cat /proc/self/uid_map -- cat /proc/self/gid_map -- ns user 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=0 gid=0 euid=0 egid=0 groups=" ]
  [ "$(echo ${lines[1]})" = "0 100000 65536" ]
  [ "$(echo ${lines[2]})" = "0 200000 1000" ]
  [ "${lines[3]}" != "$(readlink /proc/self/ns/user)" ]
}

@test "several map lines are written in one go" {
  s=$(spec 'ns.new user' 'idmap.uid 0 100000 1' 'idmap.uid 1 300001 10' 'idmap.gid 0 100000 11')
  run bin/oci-ns probe cat /proc/self/uid_map 3< "$s"
  [ "$status" -eq 0 ]
  [ "$(echo ${lines[0]})" = "0 100000 1" ]
  [ "$(echo ${lines[1]})" = "1 300001 10" ]
}

@test "a new user namespace without maps, or maps without one, is refused" {
  run bin/oci-ns probe id 3< "$(spec 'ns.new user' 'idmap.uid 0 1000 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 2: a new user namespace needs idmap.uid and idmap.gid records" ]
  run bin/oci-ns probe id 3< "$(spec 'ns.new uts' 'idmap.uid 0 1000 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: id mappings without a user namespace" ]
  run bin/oci-ns probe id 3< "$(spec 'ns.new user' 'idmap.uid 0 x 1' 'idmap.gid 0 1 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: bad idmap.uid record" ]
}

@test "a joined user namespace: the init becomes its root" {
  start_target --user --map-root-user
  run bin/oci-ns probe id -- ns user 3< "$(spec "ns.join user /proc/$target/ns/user")"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "uid=0 gid=0 euid=0 egid=0 groups=" ]
  [ "${lines[1]}" = "$(readlink /proc/$target/ns/user)" ]
}

@test "namespaced sysctls are set in the new namespaces" {
  s=$(spec 'ns.new network' 'ns.new ipc' 'sysctl net.ipv4.ip_forward 1' 'sysctl kernel/shmmni 1234' \
    'sysctl net.ipv4.conf.lo.forwarding 1')
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  run bin/oci-ns probe cat /proc/sys/net/ipv4/ip_forward -- cat /proc/sys/kernel/shmmni \
    -- cat /proc/sys/net/ipv4/conf/lo/forwarding 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "1
1234
1" ]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctls outside the container's namespaces are refused with 100" {
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'sysctl net.ipv4.ip_forward 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: sysctl net.ipv4.ip_forward not allowed in the host's network namespace" ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new network' 'sysctl kernel.shmmax 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: sysctl kernel.shmmax not allowed in the host's ipc namespace" ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new network' 'ns.new uts' 'sysctl kernel.panic 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 4: sysctl kernel.panic is not in a separate kernel namespace" ]
  run bin/oci-ns probe pid 3< "$(spec "ns.join network /proc/$$/ns/net" 'sysctl net.core.somaxconn 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: sysctl net.core.somaxconn not allowed in the host's network namespace" ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new network' 'sysctl net..x 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: bad sysctl name net..x" ]
}

@test "kernel.domainname is a uts sysctl" {
  run bin/oci-ns probe domainname 3< "$(spec 'ns.new uts' 'sysctl kernel.domainname dom')"
  [ "$status" -eq 0 ]
  [ "$output" = dom ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'hostname h' 'sysctl kernel.hostname x')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 4: sysctl kernel.hostname conflicts with the OCI hostname field" ]
  # as runc: refused with a uts namespace even when the config sets no hostname
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'sysctl kernel.hostname x')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: sysctl kernel.hostname conflicts with the OCI hostname field" ]
}

@test "user.* sysctls (ucounts) only with a user namespace of the container's own, as runc" {
  s=$(spec 'ns.new user' 'idmap.uid 0 100000 65536' 'idmap.gid 0 100000 65536' 'sysctl user.max_user_namespaces 7')
  run bin/oci-ns probe cat /proc/sys/user/max_user_namespaces 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = 7 ]
  [ "$(cat /proc/sys/user/max_user_namespaces)" != 7 ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'sysctl user.max_user_namespaces 0')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: sysctl user.max_user_namespaces not allowed without a user namespace" ]
}

@test "time offsets apply in a new time namespace" {
  run bin/oci-ns probe cat /proc/uptime -- ns time 3< "$(spec 'ns.new time' 'time.offset boottime 864000 0')"
  [ "$status" -eq 0 ]
  [ "${lines[0]%%.*}" -ge 864000 ]
  [ "${lines[1]}" != "$(readlink /proc/self/ns/time)" ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new uts' 'time.offset boottime 1 0')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: time.offset without a new time namespace" ]
  run bin/oci-ns probe pid 3< "$(spec 'ns.new time' 'time.offset realtime 1 0')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 3: bad time.offset record" ]
}

@test "the child joins v1 cgroups through cgroup.join and unshares the cgroup namespace after" {
  requires_cgroup_v1
  own=$(awk -F: '$2 == "pids" { print $3 }' /proc/self/cgroup)
  cg=/sys/fs/cgroup/pids${own%/}/oci-ns-test-$$-$BATS_TEST_NUMBER
  mkdir "$cg"
  cgs+=("$cg")
  s=$(spec 'cgroup.join 7' 'ns.new cgroup')
  run bin/oci-ns probe cat /proc/self/cgroup -- fds 3< "$s" 7> "$cg/tasks"
  [ "$status" -eq 0 ]
  [[ "$output" == *":pids:/"$'\n'* ]] # rooted at the container's cgroup
  [[ "${lines[-1]}" != *" 7 "* ]]
  run bin/oci-ns probe cat /proc/self/cgroup 3< "$(spec 'cgroup.join 7')" 7> "$cg/tasks"
  [[ "$output" == *":pids:${own%/}/oci-ns-test-$$-$BATS_TEST_NUMBER"* ]]
}

# the unified hierarchy: /sys/fs/cgroup on pure v2, .../unified on hybrid
@test "clone3 puts the init into the cgroup.v2fd cgroup, and the cgroup namespace is unshared after" {
  local base=/sys/fs/cgroup/unified
  if cgroup_v2; then
    base=/sys/fs/cgroup
  else
    [ -d "$base" ] || skip "no cgroup2 hierarchy"
  fi
  own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
  cg=$base${own%/}/oci-ns-test-$$-$BATS_TEST_NUMBER
  mkdir "$cg"
  cgs+=("$cg")
  run bin/oci-ns probe cat /proc/self/cgroup 3< "$(spec 'cgroup.v2fd 7' 'ns.new uts')" 7< "$cg"
  [ "$status" -eq 0 ]
  [[ "$output" == *"0::${own%/}/oci-ns-test-$$-$BATS_TEST_NUMBER"* ]]
  run bin/oci-ns probe cat /proc/self/cgroup 3< "$(spec 'cgroup.v2fd 7' 'ns.new cgroup')" 7< "$cg"
  [ "$status" -eq 0 ]
  grep -qx '0::/' <<<"$output" # rooted at the container's cgroup
}

@test "a failing stage inside: its status, its message once" {
  # a second oci-ns inside refuses the ns.sync the first one added
  run bin/oci-ns oci-ns probe pid 3< "$(spec 'ns.new uts')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 4: ns.sync already set: the namespaces exist" ]
  run bin/oci-ns nosuchprog 3< "$(spec 'ns.new uts' 'exit.setup 1')"
  [ "$status" -eq 1 ]
  [ "$output" = "oci-ns: exec nosuchprog: No such file or directory" ]
}

@test "stdio is passed through without a pty" {
  run sh -c 'echo hi | bin/oci-ns sh -c cat 3< "$1"' sh "$(spec 'ns.new uts')"
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
}

# a stage inside that makes a pty, sends its master to the monitor ("pty"),
# or asks for hooks, then execs the rest on the pty's slave
inner() {
  cat > "$BATS_TEST_TMPDIR/inner.py" << 'EOF'
import os, socket, sys
spec = open("/proc/self/fd/3").read().splitlines()
fd = int([l.split()[1] for l in spec if l.startswith("ns.sync ")][-1])
sk = socket.socket(fileno=fd)
if sys.argv[1] == "ready":  # as oci-exec in create mode: no parent-death signal, then ready
    import ctypes, time
    ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
    os.close(1)
    sk.send(b"ready")
    time.sleep(0.3)
    open(sys.argv[2], "w").write("alive")
    sys.exit(0)
if sys.argv[1] == "hook":
    sk.send(sys.argv[2].encode())
    print(sk.recv(100).decode(), flush=True)
    sys.exit(0)
m, s = os.openpty()
socket.send_fds(sk, [b"pty"], [m])
os.close(m)
for i in (0, 1, 2):
    os.dup2(s, i)
os.execvp(sys.argv[2], sys.argv[2:])
EOF
  echo "$BATS_TEST_TMPDIR/inner.py"
}

@test "a pty master sent on ns.sync is relayed to stdio" {
  command -v python3 > /dev/null || skip "needs python3"
  py=$(inner)
  s=$(spec 'ns.new uts' 'process.terminal 1')
  run sh -c 'echo hello | bin/oci-ns python3 "$1" pty sh -c "read x; echo got:\$x; tty" 3< "$2"' sh "$py" "$s"
  [ "$status" -eq 0 ]
  [[ "$output" == *"got:hello"* ]]
  [[ "$output" == *"/dev/pts/"* ]]
}

@test "the caller's terminal is restored after a pty session" {
  command -v python3 > /dev/null || skip "needs python3"
  py=$(inner)
  s=$(spec 'ns.new uts' 'process.terminal 1')
  run script -qec "stty -g; bin/oci-ns python3 $py pty sh -c 'exit 3' 3< $s; echo rc=\$?; stty -g" /dev/null
  [ "$status" -eq 0 ]
  out=$(printf '%s' "$output" | tr -d '\r')
  [[ "$out" == *"rc=3"* ]]
  first=$(printf '%s\n' "$out" | head -n1)
  last=$(printf '%s\n' "$out" | tail -n1)
  [ "$first" = "$last" ]
}

@test "hook requests: the monitor runs prestart and createRuntime and answers" {
  command -v python3 > /dev/null || skip "needs python3"
  py=$(inner)
  out=$BATS_TEST_TMPDIR/hooks
  run bin/oci-ns python3 "$py" hook "hook createRuntime" 3< "$(spec 'ns.new uts' \
    "hook prestart /bin/sh 0 3 sh -c cat\\040>>$out" "hook createRuntime /bin/sh 0 3 sh -c echo\\040cr>>$out")"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  [[ "$(head -n1 "$out")" == '{"ociVersion":"1.2.0","id":"","status":"created","pid":'* ]]
  [[ "$(cat "$out")" == *"}cr" ]] # the state has no newline; then createRuntime ran
  run bin/oci-ns python3 "$py" hook "hook createRuntime" 3< "$(spec 'ns.new uts' 'hook prestart /bin/false 0 0')"
  [ "$status" -eq 0 ]
  [ "$output" = "fail hook prestart /bin/false: exit status 1" ]
  run bin/oci-ns python3 "$py" hook "hook bogus" 3< "$(spec 'ns.new uts')"
  [ "$output" = "fail unknown hook request" ]
}

# a stand-in for oci-delete that shows how it was called
fake_delete() {
  mkdir -p "$BATS_TEST_TMPDIR/fake" "$BATS_TEST_TMPDIR/state"
  printf '#!/bin/sh\necho "oci-delete $*"; grep "^ns.pid" <&3\nexit 5\n' > "$BATS_TEST_TMPDIR/fake/oci-delete"
  chmod +x "$BATS_TEST_TMPDIR/fake/oci-delete"
}

@test "with a state dir: pid file, state.json, then oci-delete --force --exit=STATUS" {
  fake_delete
  d=$BATS_TEST_TMPDIR
  s=$(spec 'ns.new uts' "state.dir $d/state" 'state.id c1' "run.pidfile $d/pid")
  PATH=$d/fake:$PATH run bin/oci-ns sh -c 'exit 7' 3< "$s"
  [ "$status" -eq 5 ]
  pid=$(cat "$d/pid")
  [ "${lines[0]}" = "oci-delete --force --exit=7" ]
  [ "${lines[1]}" = "ns.pid $pid" ]
  grep -q "\"pid\":$pid," "$d/state/state.json"
  grep -q '"status":"running"' "$d/state/state.json"
  grep -q "^ns.pid $pid\$" "$d/state/spec"
  [ ! -e "$d/.pid" ]
}

@test "with a state dir, a failure inside tears down with the setup status" {
  fake_delete
  d=$BATS_TEST_TMPDIR
  s=$(spec 'ns.new uts' "state.dir $d/state" 'exit.setup 1')
  PATH=$d/fake:$PATH run bin/oci-ns nosuchprog 3< "$s"
  [ "$status" -eq 5 ]
  [ "${lines[0]}" = "oci-ns: exec nosuchprog: No such file or directory" ]
  [[ "${lines[1]}" = "oci-delete --force --exit=1" ]]
  [ "${#lines[@]}" -eq 3 ]
}

@test "run.mode create: the monitor exits 0 at ready and the init goes on" {
  command -v python3 > /dev/null || skip "needs python3"
  py=$(inner)
  run bin/oci-ns python3 "$py" ready "$BATS_TEST_TMPDIR/after" 3< "$(spec 'ns.new uts' 'run.mode create')"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # the init was left running: it writes its marker after the monitor is gone
  for _ in $(seq 50); do [ -e "$BATS_TEST_TMPDIR/after" ] && break; sleep 0.1; done
  [ "$(cat "$BATS_TEST_TMPDIR/after")" = alive ]
}

# ---- exec mode: join the container of exec.pid ----------------------------

starttime() { awk '{print $22}' "/proc/$1/stat"; }

@test "run.mode exec needs exec.pid and exec.starttime, creates nothing, knows its exec. records" {
  run bin/oci-ns probe pid 3< "$(spec 'run.mode exec')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 1: run.mode exec needs exec.pid and exec.starttime" ]
  run bin/oci-ns probe pid 3< "$(spec 'run.mode exec' "exec.pid $$" "exec.starttime $(starttime $$)" 'ns.new uts')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 5: run.mode exec creates no namespace" ]
  run bin/oci-ns probe pid 3< "$(spec 'run.mode exec' "exec.pid $$" "exec.starttime $(starttime $$)" 'state.dir /x')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 5: state.dir is not for run.mode exec" ]
  run bin/oci-ns probe pid 3< "$(spec 'run.mode exec' "exec.pid $$" "exec.starttime $(starttime $$)" 'exec.frob 1')"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 5: unknown record exec.frob" ]
  run bin/oci-ns probe pid 3< "$(spec 'run.mode exec' "exec.pid $$" "exec.starttime x")"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: spec line 4: bad exec.starttime record" ]
}

@test "exec mode joins the init's namespaces through its pidfd; the child appends ns.rootfd" {
  start_target --pid --fork --uts --ipc --net --mount
  s=$(spec 'run.mode exec' "exec.pid $target" "exec.starttime $(starttime "$target")" \
    "ns.join uts /proc/$target/ns/uts" "ns.join ipc /proc/$target/ns/ipc" \
    "ns.join network /proc/$target/ns/net" "ns.join pid /proc/$target/ns/pid" "ns.join mount /proc/$target/ns/mnt")
  run bin/oci-ns probe ns uts -- ns ipc -- ns net -- ns mnt -- ns pid -- cat /proc/self/fd/3 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/$target/ns/uts)" ]
  [ "${lines[1]}" = "$(readlink /proc/$target/ns/ipc)" ]
  [ "${lines[2]}" = "$(readlink /proc/$target/ns/net)" ]
  [ "${lines[3]}" = "$(readlink /proc/$target/ns/mnt)" ]
  [ "${lines[4]}" = "$(readlink /proc/$target/ns/pid)" ]
  [[ "$output" == *$'\nns.rootfd '[0-9]* ]]
  [[ "$output" != *$'\nns.pid '* ]]
}

@test "exec mode: a reused or gone pid is never joined" {
  start_target --uts
  s=$(spec 'run.mode exec' "exec.pid $target" "exec.starttime $(($(starttime "$target") + 1))" "ns.join uts /proc/$target/ns/uts")
  run bin/oci-ns probe ns uts 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-ns: cannot exec in a stopped container (pid $target is no longer its init)" ]
  kill "$target"
  wait "$target" 2>/dev/null || true
  s=$(spec 'run.mode exec' "exec.pid $target" "exec.starttime 1" "ns.join uts /proc/$target/ns/uts")
  run bin/oci-ns probe ns uts 3< "$s"
  [ "$status" -eq 100 ]
  [[ "$output" == "oci-ns: cannot exec in a stopped container"* ]]
}

@test "exec mode: the status comes back, the oom score is set, no state is written" {
  start_target --uts
  s=$(spec 'run.mode exec' "exec.pid $target" "exec.starttime $(starttime "$target")" \
    "ns.join uts /proc/$target/ns/uts" 'process.oomscoreadj 123' "run.pidfile $BATS_TEST_TMPDIR/pid")
  run bin/oci-ns sh -c 'cat /proc/self/oom_score_adj; exit 5' 3< "$s"
  [ "$status" -eq 5 ]
  [ "$output" = 123 ]
  [ "$(cat "$BATS_TEST_TMPDIR/pid")" -gt 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/state.json" ]
}

@test "exec mode with exec.detach 1: the monitor exits 0 once the process runs, which goes on" {
  start_target --uts
  s=$(spec 'run.mode exec' "exec.pid $target" "exec.starttime $(starttime "$target")" \
    "ns.join uts /proc/$target/ns/uts" 'exec.detach 1')
  command -v python3 > /dev/null || skip "needs python3"
  # as oci-exec does: no parent-death signal, the sync socket closed at the "execve"
  cat > "$BATS_TEST_TMPDIR/detach.py" << 'PY'
import ctypes, os, sys, time
spec = open("/proc/self/fd/3").read().splitlines()
ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
os.close(int([l.split()[1] for l in spec if l.startswith("ns.sync ")][-1]))
os.close(1)
os.close(2)
time.sleep(0.5)
open(sys.argv[1], "w").write("alive")
PY
  run bin/oci-ns python3 "$BATS_TEST_TMPDIR/detach.py" "$BATS_TEST_TMPDIR/after" 3< "$s"
  [ "$status" -eq 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/after" ]
  for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/after" ] && break; sleep 0.1; done
  [ "$(cat "$BATS_TEST_TMPDIR/after")" = alive ]
}
