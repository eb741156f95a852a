#!/usr/bin/env bats
# runc run: the whole chain, every field of the default config for real

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "run: the container's exit status is runc's" {
	set_args sh -c 'echo hello; exit 42'
	run runc run "$ID"
	[ "$status" -eq 42 ]
	[ "$output" = hello ]
	assert_clean
}

@test "run: killed by signal N gives 128+N" {
	# pid 1 of a pid namespace cannot be killed from inside: share the host's
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'kill -9 $$'
	run runc run "$ID"
	[ "$status" -eq 137 ]
	assert_clean
}

@test "run: PID 1 is the container's process" {
	set_args sh -c 'ps -o pid,comm; true'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^\ +1\ sh$ ]]
	[[ "${lines[2]}" =~ ^\ +[0-9]+\ ps$ ]]
}

@test "run: new namespaces, hostname, loopback up" {
	set_args sh -c 'for n in pid net ipc uts mnt; do readlink /proc/self/ns/$n; done; hostname; ip -o link show lo'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	for n in pid net ipc uts mnt; do
		[[ "$output" != *"$(readlink /proc/self/ns/$n)"* ]]
	done
	[ "${lines[5]}" = runc ]
	[[ "${lines[6]}" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
}

@test "run: the cgroup namespace is joined by the spec" {
	# (runc spec has one on a cgroup v2 host already: one of each type)
	update_config '.linux.namespaces |= map(select(.type != "cgroup")) + [{"type": "cgroup"}]'
	set_args sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(readlink /proc/self/ns/cgroup)" ]
	# rooted at the container's cgroup: every hierarchy shows /
	[[ "$(echo "$output" | sed 1d | grep -v name=systemd | cut -d: -f3 | sort -u)" == / ]]
}

@test "run: a namespace joined by path" {
	unshare --uts sh -c 'hostname joined-uts; exec sleep 30' 3>&- &
	local pid=$!
	sleep 0.2
	update_config ".linux.namespaces |= map(if .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end) | del(.hostname)"
	set_args hostname
	run runc run "$ID"
	kill "$pid"
	wait "$pid" || true
	[ "$status" -eq 0 ]
	[ "$output" = joined-uts ]
}

@test "run: readonly root, masked and read-only paths" {
	# /proc/kcore is not in every kernel; /proc/timer_list and /sys/firmware are here
	[ -n "$(head -c1 /proc/timer_list)" ] && [ -n "$(ls /sys/firmware)" ] || skip "no /proc/timer_list or /sys/firmware content"
	set_args sh -c 'touch /x 2>&1; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>&1; touch /dev/shm/ok && echo shm-ok'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 0 ]
	[[ "${lines[3]}" == *"Read-only file system"* ]]
	[ "${lines[4]}" = shm-ok ]
}

@test "run: default devices and /dev symlinks" {
	set_args sh -c 'stat -c "%n %F %t,%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; test -d /dev/pts && test -d /dev/shm && test -d /dev/mqueue && echo dirs'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null character special file 1,3 666" ]
	[ "${lines[1]}" = "/dev/zero character special file 1,5 666" ]
	[ "${lines[5]}" = "/dev/tty character special file 5,0 666" ]
	[ "${lines[6]}" = /proc/self/fd ]
	[ "${lines[7]}" = /proc/self/fd/0 ]
	[ "${lines[10]}" = pts/ptmx ]
	[ "${lines[11]}" = dirs ]
}

@test "run: linux.devices creates the node and allows it in the cgroup" {
	update_config '.linux.devices = [{"path": "/dev/kmsg2", "type": "c", "major": 1, "minor": 11, "fileMode": 384, "uid": 1, "gid": 2}]'
	set_args sh -c 'stat -c "%F %t,%T %a %u %g" /dev/kmsg2'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file 1,b 600 1 2" ]
}

@test "run: the device allow-list denies what it does not list" {
	update_config '.linux.devices = [{"path": "/dev/loopx", "type": "b", "major": 7, "minor": 0}] | .linux.resources.devices += [{"allow": false, "type": "b", "major": 7, "minor": 0, "access": "rwm"}]'
	set_args sh -c 'head -c1 /dev/loopx >/dev/null 2>&1 && echo opened || echo denied'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = denied ]
}

@test "run: process user, groups, cwd, env, umask" {
	update_config '.process.user = {"uid": 1, "gid": 2, "additionalGids": [3, 4], "umask": 63} | .process.cwd = "/tmp" | .process.env += ["FOO=bar baz"]'
	set_args sh -c 'id -u; id -g; id -G; pwd; echo "$FOO"; umask'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 2 ]
	[ "${lines[2]}" = "2 3 4" ]
	[ "${lines[3]}" = /tmp ]
	[ "${lines[4]}" = "bar baz" ]
	[ "${lines[5]}" = 0077 ]
}

@test "run: rlimits, capabilities, no_new_privs, oom_score_adj" {
	update_config '.process.oomScoreAdj = 100 | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	set_args sh -c 'ulimit -n; ulimit -Hn; ulimit -c; grep -E "^(CapBnd|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs)" /proc/self/status; cat /proc/self/oom_score_adj'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = 0 ]
	# CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
	[[ "${lines[3]}" =~ CapInh:.0000000000000000 ]]
	[[ "${lines[4]}" =~ CapPrm:.0000000020000420 ]]
	[[ "${lines[5]}" =~ CapEff:.0000000020000420 ]]
	[[ "${lines[6]}" =~ CapBnd:.0000000020000420 ]]
	[[ "${lines[7]}" =~ CapAmb:.0000000000000000 ]]
	[[ "${lines[8]}" =~ NoNewPrivs:.1 ]]
	[ "${lines[9]}" = 100 ]
}

@test "run: a hard limit above what the kernel allows (fs.nr_open) fails clearly" {
	local n
	n=$(($(cat /proc/sys/fs/nr_open) + 1))
	update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $n, \"hard\": $n}]"
	set_args true
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"setrlimit RLIMIT_NOFILE $n $n: Operation not permitted"* ]]
	assert_clean
}

# raising a hard limit takes CAP_SYS_RESOURCE, which this sandbox lacks and
# the make test-v2 guest has: each checks what its root can do
@test "run: a hard limit above the caller's fails without CAP_SYS_RESOURCE, applies with it" {
	local n
	n=$(($(ulimit -Hn) + 1))
	update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $n, \"hard\": $n}]"
	set_args sh -c 'ulimit -Hn'
	run runc run "$ID"
	if [ $((0x$(awk '/^CapEff/{print $2}' /proc/self/status) >> 24 & 1)) -eq 1 ]; then
		[ "$status" -eq 0 ]
		[ "$output" = "$n" ]
	else
		[ "$status" -eq 1 ]
		[[ "$output" == *"setrlimit RLIMIT_NOFILE $n $n: Operation not permitted"* ]]
	fi
	assert_clean
}

@test "run: only stdio reaches the container" {
	set_args ls /proc/self/fd
	run runc run "$ID" 5</dev/null 7>/dev/null
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 3" ] # 3 is ls's own directory fd
}

@test "run: --preserve-fds passes fds 3..3+N-1" {
	set_args sh -c 'cat <&3; cat <&4; ls /proc/self/fd | tr "\n" " "'
	echo three > "$BATS_TEST_TMPDIR/f3"
	echo four > "$BATS_TEST_TMPDIR/f4"
	run runc run --preserve-fds 2 "$ID" 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = three ]
	[ "${lines[1]}" = four ]
	[ "${lines[2]}" = "0 1 2 3 4 5 " ]
}

@test "run: stdin and stdout pass through with terminal false" {
	set_args sh -c 'read x; echo "got $x"'
	run sh -c "echo ping | '$RUNC' --root '$STATE' run $ID"
	[ "$status" -eq 0 ]
	[ "$output" = "got ping" ]
}

@test "run: terminal true relays the caller's tty" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; ps -o pid,comm; stty size'
	run script -qec "stty rows 33 cols 101; '$RUNC' --root '$STATE' run $ID" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"    1 sh"* ]]
	[[ "$output" == *"33 101"* ]] # the caller's window size
	assert_clean
}

@test "run: signals sent to runc reach the container" {
	set_args sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	start_bg run "$ID"
	local pid=$BG
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	grep -q "got TERM" "$BATS_TEST_TMPDIR/out"
	assert_clean
}

@test "run: --pid-file holds the container's host pid" {
	set_args sh -c 'echo ready; sleep 1; true'
	start_bg run --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	local pid=$BG
	local cpid
	cpid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(readlink /proc/$cpid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	[ "$(cat /proc/$cpid/cmdline | tr '\0' ' ')" = "sh -c echo ready; sleep 1; true " ]
	wait "$pid"
	assert_clean
}

@test "run: the cgroup is created with the limits and removed afterwards" {
	update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 42} | .linux.resources.cpu = {"shares": 512}'
	set_args sh -c 'echo ready; sleep 100'
	start_bg run "$ID"
	local pid=$BG
	local mem pids cpu
	if cgroup_v2; then # cpu.weight: runc's conversion of shares 512
		mem=$(cat "$(cg_dir memory)/memory.max")
		cpu=$(cat "$(cg_dir cpu)/cpu.weight")
		[ "$cpu" = 59 ]
	else
		mem=$(cat "$(cg_dir memory)/memory.limit_in_bytes")
		cpu=$(cat "$(cg_dir cpu)/cpu.shares")
		[ "$cpu" = 512 ]
	fi
	pids=$(cat "$(cg_dir pids)/pids.max")
	runc kill "$ID" KILL
	wait "$pid" || true
	[ "$mem" = 67108864 ]
	[ "$pids" = 42 ]
	assert_clean
}

@test "run: a relative cgroupsPath nests under the caller's cgroup" {
	# no cgroup namespace (runc spec's on v2): the container sees its path
	update_config ".linux.cgroupsPath = \"rt-test-nest-$$/inner\" | .linux.namespaces |= map(select(.type != \"cgroup\"))"
	set_args cat /proc/self/cgroup
	run runc run "$ID"
	[ "$status" -eq 0 ]
	local own
	if cgroup_v2; then # runc's rule: under the parent of the caller's cgroup
		own=$(cg_parent)
		[ "$output" = "0::${own#/sys/fs/cgroup}/rt-test-nest-$$/inner" ]
		[ ! -e "$own/rt-test-nest-$$" ]
	else
		own=$(grep ':memory:' /proc/self/cgroup | cut -d: -f3)
		[[ "$output" == *":memory:${own%/}/rt-test-nest-$$/inner"* ]]
		[ ! -e "/sys/fs/cgroup/memory${own%/}/rt-test-nest-$$" ]
		[ ! -e "/sys/fs/cgroup/pids/rt-test-nest-$$" ]
	fi
}

@test "run: a mount destination symlinked out of the rootfs stays inside" {
	cp -a "$(shared_rootfs)" "$BUNDLE/rootfs"
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$BUNDLE/rootfs/evil"
	update_config '.root.path = "rootfs" | .mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}]'
	set_args sh -c 'touch /evil/x && echo ok'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ ! -e "$BATS_TEST_TMPDIR/outside/x" ]
	assert_clean
}

@test "run: bind mounts, ro and rro" {
	mkdir -p "$BATS_TEST_TMPDIR/data/sub"
	echo hi > "$BATS_TEST_TMPDIR/data/file"
	update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/data\", \"options\": [\"rbind\", \"ro\", \"nosuid\"]}, {\"destination\": \"/file\", \"type\": \"none\", \"source\": \"$BATS_TEST_TMPDIR/data/file\", \"options\": [\"bind\"]}]"
	set_args sh -c 'cat /data/file; cat /file; touch /data/x 2>&1; echo more >> /file && echo wrote'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hi ]
	[ "${lines[1]}" = hi ]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
	[ "${lines[3]}" = wrote ]
	[ "$(cat "$BATS_TEST_TMPDIR/data/file")" = "$(printf 'hi\nmore')" ]
}

@test "run: nothing is left after a failing stage" {
	update_config '.mounts += [{"destination": "/root", "type": "nosuchfs", "source": "none"}]'
	set_args true
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-mount: mount none on "*"/root: No such device" ]]
	assert_clean
}

@test "run: an executable not found is runc's message and exit 1" {
	set_args /nope
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "/nope": '* ]]
	assert_clean
	set_args nope
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "nope": executable file not found in $PATH'* ]]
	assert_clean
}

@test "run: a duplicate id is refused and the running one untouched" {
	set_args sh -c 'echo ready; sleep 2'
	start_bg run "$ID"
	local pid=$BG
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container with given ID already exists: $ID"* ]]
	[ -d "$STATE/$ID" ]
	wait "$pid"
	assert_clean
}

@test "run: the cgroup mount shows the container's own cgroups, never a host tree (v1)" {
	requires_cgroup_v1
	set_args sh -c 'cat /sys/fs/cgroup/pids/pids.max; ls /sys/fs/cgroup/pids | grep -c "^rt-test-"; ls /sys/fs/cgroup/systemd 2>/dev/null | wc -l'
	update_config '.linux.resources.pids = {"limit": 77}'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 77 ] # its own pids cgroup, not the host's root
	[ "${lines[1]}" = 0 ]
	# a named hierarchy oci-cgroup does not manage (name=systemd) stays empty
	[ "${lines[2]}" = 0 ]
}

@test "run: the cgroup mount shows the container's own cgroup, never a host tree (v2)" {
	requires_cgroup_v2
	set_args sh -c 'cat /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c -e "^rt-test-" -e "\.slice$" -e "\.scope$"; cat /proc/self/cgroup'
	update_config '.linux.resources.pids = {"limit": 77}'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 77 ] # its own cgroup at the mount's root, not the host's
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 0::/ ]
	assert_clean
}

@test "run: --no-pivot switches root with MS_MOVE and chroot" {
	set_args sh -c 'test -x /bin/busybox && test -d /proc/self && echo rootfs; test -e /work && echo host-visible; true'
	run runc run --no-pivot "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = rootfs ]
	assert_clean
}

@test "run: a session keyring named after the container, unless --no-new-keyring" {
	update_config '.linux.maskedPaths -= ["/proc/keys"]'
	update_config ".process.args = [\"sh\", \"-c\", \"grep -c ' $ID: ' /proc/keys || true\"]"
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	# a new id: the first container's keyring may linger until the kernel's gc
	update_config ".process.args = [\"sh\", \"-c\", \"grep -c ' $ID-nk: ' /proc/keys || true\"]"
	run runc run --no-new-keyring "$ID-nk"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "run: a seccomp profile from config.json: errnoRet and the default" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}, {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/x 2>&1; rmdir /tmp 2>&1; grep Seccomp: /proc/self/status'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"No space left on device"* ]]
	[[ "${lines[1]}" == *"Operation not permitted"* ]]
	[[ "${lines[2]}" =~ Seccomp:.2 ]]
}
