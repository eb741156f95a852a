#!/usr/bin/env bats
# oci-parse alone: a bundle in, the normalized spec out on fd 3

load helpers
bats_require_minimum_version 1.5.0

setup() {
	B=$BATS_TEST_TMPDIR/b
	mkdir -p "$B/rootfs"
	(cd "$B" && "$BIN/oci-spec")
}

# parse [OPTIONS...]: oci-parse on the bundle, printing the spec
parse() {
	run "$BIN/oci-parse" --bundle="$B" "$@" sh -c 'cat <&3' 3<&-
}

edit() {
	jq "$1" "$B/config.json" > "$B/c" && mv "$B/c" "$B/config.json"
}

@test "oci-parse prints the normalized spec of runc spec's config" {
	parse --id=web1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ocispec 1" ]
	grep -qx "root.path $B/rootfs" <<< "$output"
	grep -qx "root.readonly 1" <<< "$output"
	grep -qx "root.propagation rslave" <<< "$output"
	grep -qx "hostname runc" <<< "$output"
	grep -qx "state.id web1" <<< "$output"
	grep -qx "cgroup.path web1" <<< "$output"
	grep -qx "mount /dev tmpfs tmpfs nosuid,strictatime mode=755,size=65536k" <<< "$output"
	grep -qx "mount /proc proc proc - -" <<< "$output"
	grep -qx "device /dev/null c 1 3 0666 0 0" <<< "$output"
	grep -qx "symlink pts/ptmx /dev/ptmx" <<< "$output"
	grep -qx "cgroup.device deny a \* \* rwm" <<< "$output"
	grep -qx "cap.bounding CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE" <<< "$output"
	grep -qx "cap.ambient -" <<< "$output"
	grep -qx "process.umask 0022" <<< "$output"
	grep -qx "rlimit RLIMIT_NOFILE 1024 1024" <<< "$output"
	grep -qx "arg sh" <<< "$output"
	grep -qx "env TERM=xterm" <<< "$output"
	# runc spec adds a cgroup namespace on a pure v2 host
	if cgroup_v2; then n=6; else n=5; fi
	[ "$(grep -c '^ns.new' <<< "$output")" -eq "$n" ]
	! grep -q '^state.dir' <<< "$output" # no --root: nothing is created
}

@test "oci-parse escapes fields and resolves mount options" {
	edit '.process.args = ["echo", "a b", "", "-", "x\\y"] | .mounts += [{"destination": "/data dir", "type": "bind", "source": "src", "options": ["ro", "rw", "nosuid", "rprivate", "rro", "rrw", "uid=0"]}]'
	parse
	[ "$status" -eq 0 ]
	grep -qx 'arg a\\040b' <<< "$output"
	grep -qx 'arg -' <<< "$output"
	grep -qx 'arg \\055' <<< "$output"
	grep -qx 'arg x\\134y' <<< "$output"
	grep -qx "mount /data\\\\040dir bind $B/src nosuid,rrw,bind,rprivate uid=0" <<< "$output"
}

@test "oci-parse: the spec is a sealed memfd and the stage dir is read-only" {
	run "$BIN/oci-parse" --bundle="$B" sh -c 'readlink /proc/self/fd/3; echo x >&3 2>&1 || echo sealed; d=$(sed -n "s/^fd.stagedir //p" <&3); touch /proc/self/fd/$d/x 2>&1 || echo ro' 3<&-
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "/memfd:ocispec"* ]]
	[ "${lines[-2]}" = sealed ] || [[ "$output" == *sealed* ]]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "oci-parse: --root creates the state dir last, and a duplicate id is refused" {
	parse --root="$BATS_TEST_TMPDIR/state" --id=c1
	[ "$status" -eq 0 ]
	grep -qx "state.dir $BATS_TEST_TMPDIR/state/c1" <<< "$output"
	[ -d "$BATS_TEST_TMPDIR/state/c1" ]
	parse --root="$BATS_TEST_TMPDIR/state" --id=c1
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: container with given ID already exists: c1" ]
	[ -d "$BATS_TEST_TMPDIR/state/c1" ]
}

@test "oci-parse: a bad config creates nothing, exits 100, or --setup-exit" {
	edit '.process.cwd = "relative"'
	parse --root="$BATS_TEST_TMPDIR/state" --id=c2
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: process.cwd: relative is not an absolute path" ]
	[ ! -e "$BATS_TEST_TMPDIR/state/c2" ]
	parse --root="$BATS_TEST_TMPDIR/state" --id=c2 --setup-exit=1
	[ "$status" -eq 1 ]
}

@test "oci-parse: a next program that is not there leaves no state dir" {
	run -127 "$BIN/oci-parse" --bundle="$B" --root="$BATS_TEST_TMPDIR/state" --id=c3 no-such-program
	[ "$status" -eq 127 ]
	[ "$output" = "oci-parse: exec no-such-program: No such file or directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/state/c3" ]
}

@test "oci-parse: --preserve-fds needs OCI_SPEC_FD to match" {
	run "$BIN/oci-parse" --bundle="$B" --preserve-fds=2 true 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: --preserve-fds=2 needs OCI_SPEC_FD=5" ]
	OCI_SPEC_FD=5 run "$BIN/oci-parse" --bundle="$B" --preserve-fds=2 sh -c 'cat <&5' 3<&-
	[ "$status" -eq 0 ]
	grep -qx "run.preservefds 2" <<< "$output"
}

@test "oci-parse: the 2015 pair becomes the same kind of spec" {
	rm "$B/config.json"
	(cd "$B" && "$BIN/oci-spec" --legacy)
	parse
	[ "$status" -eq 0 ]
	grep -qx "oci.version 0.2.0" <<< "$output"
	grep -qx "root.propagation rprivate" <<< "$output"
	grep -qx "cap.inheritable CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE" <<< "$output"
	grep -qx "mount /sys sysfs sysfs nodev,noexec,nosuid,ro -" <<< "$output"
	grep -qx "mask /proc/kcore" <<< "$output"
	grep -qx "cgroup.device allow c 4 0 rwm" <<< "$output"
	grep -qx "process.nnp 0" <<< "$output"
}

@test "oci-parse: a device fileMode may carry file type bits that agree with its type (podman's form)" {
	# S_IFCHR|0666 = 8630, S_IFBLK|0660 = 25008, S_IFIFO|0600 = 4480
	edit '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8630},
		{"path": "/dev/u1", "type": "u", "major": 1, "minor": 3, "fileMode": 8630},
		{"path": "/dev/loop9", "type": "b", "major": 7, "minor": 9, "fileMode": 25008},
		{"path": "/dev/p", "type": "p", "fileMode": 4480},
		{"path": "/dev/plain", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
	parse
	[ "$status" -eq 0 ]
	grep -qx "device /dev/fuse c 10 229 0666 0 0" <<< "$output"
	grep -qx "device /dev/u1 u 1 3 0666 0 0" <<< "$output"
	grep -qx "device /dev/loop9 b 7 9 0660 0 0" <<< "$output"
	grep -qx "device /dev/p p 0 0 0600 0 0" <<< "$output"
	grep -qx "device /dev/plain c 1 3 0666 0 0" <<< "$output"
}

@test "oci-parse: device type bits that disagree with the type, or other bits, are an error naming the field" {
	edit '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8630}, {"path": "/dev/x", "type": "b", "major": 7, "minor": 0, "fileMode": 8630}]'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.devices[1].fileMode: file type bits 020000 do not match type b" ]
	edit '.linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 3, "fileMode": 33206}]'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.devices[0].fileMode: file type bits 0100000 do not match type c" ]
	edit '.linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 3, "fileMode": 65536}]'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.devices[0].fileMode: 65536 is out of range [0, 65535]" ]
}

@test "oci-parse: zeros in linux.resources are unset, as runc reads them (docker's config)" {
	# what docker 20.10 sends in every config
	edit '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}], "memory": {"disableOOMKiller": false},
		"cpu": {"shares": 0}, "blockIO": {"weight": 0}}'
	parse
	[ "$status" -eq 0 ]
	! grep -q '^cgroup\.\(memory\|cpu\|pids\|blkio\)' <<< "$output" || return 1
	# every field runc leaves alone when zero
	edit '.linux.resources = {"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0,
			"swappiness": 18446744073709551615, "disableOOMKiller": false},
		"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
		"pids": {"limit": 0},
		"blockIO": {"weight": 0, "leafWeight": 0, "weightDevice": [{"major": 8, "minor": 0, "weight": 0, "leafWeight": 0}],
			"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 0}], "throttleWriteIOPSDevice": []},
		"hugepageLimits": [], "network": {"classID": 0, "priorities": []}, "rdma": {}}'
	parse
	[ "$status" -eq 0 ]
	! grep -q '^cgroup\.\(memory\|cpu\|pids\|blkio\)' <<< "$output" || return 1
	edit '.linux.resources.memory.swappiness = -1'
	parse
	[ "$status" -eq 0 ]
	! grep -q '^cgroup\.memory' <<< "$output" || return 1
	# what is not zero is kept, -1 (unlimited) included
	edit '.linux.resources = {"memory": {"limit": -1, "swappiness": 0, "disableOOMKiller": true}, "cpu": {"shares": 512, "quota": -1}, "pids": {"limit": -1}}'
	parse
	[ "$status" -eq 0 ]
	grep -qx "cgroup.memory.limit -1" <<< "$output"
	grep -qx "cgroup.memory.swappiness 0" <<< "$output"
	grep -qx "cgroup.memory.disableOOMKiller 1" <<< "$output"
	grep -qx "cgroup.cpu.shares 512" <<< "$output"
	grep -qx "cgroup.cpu.quota -1" <<< "$output"
	grep -qx "cgroup.pids.limit -1" <<< "$output"
}

@test "oci-parse: every blockIO, hugepageLimits, network and rdma field becomes its record" {
	local cases=(
		'{"blockIO": {"weight": 500}}|cgroup.blkio.weight 500'
		'{"blockIO": {"leafWeight": 10}}|cgroup.blkio.leafWeight 10'
		'{"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 100}]}}|cgroup.blkio.weightDevice 8 0 100 0'
		'{"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]}}|cgroup.blkio.throttleReadBps 8 0 1048576'
		'{"blockIO": {"throttleWriteBpsDevice": [{"major": 8, "minor": 16, "rate": 2}]}}|cgroup.blkio.throttleWriteBps 8 16 2'
		'{"blockIO": {"throttleReadIOPSDevice": [{"major": 7, "minor": 0, "rate": 3}]}}|cgroup.blkio.throttleReadIops 7 0 3'
		'{"blockIO": {"throttleWriteIOPSDevice": [{"major": 7, "minor": 1, "rate": 4}]}}|cgroup.blkio.throttleWriteIops 7 1 4'
		'{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}|cgroup.hugetlb 2MB 0'
		'{"network": {"classID": 1048577}}|cgroup.net.classID 1048577'
		'{"network": {"priorities": [{"name": "eth0", "priority": 5}]}}|cgroup.net.priority eth0 5'
		'{"rdma": {"mlx5_1": {"hcaHandles": 3}}}|cgroup.rdma mlx5_1 3 -'
		'{"memory": {"checkBeforeUpdate": true}}|cgroup.memory.checkBeforeUpdate 1'
	)
	local c
	for c in "${cases[@]}"; do
		edit ".linux.resources = ${c%%|*}"
		parse
		echo "$c: $status $output"
		[ "$status" -eq 0 ]
		grep -qx "${c#*|}" <<< "$output"
	done
	edit '.linux.resources = {"hugepageLimits": [{"pageSize": "2M", "limit": 1}]}'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.resources.hugepageLimits[0].pageSize: bad page size 2M (expected e.g. 2MB, 1GB)" ]
	edit '.linux.resources = {"network": {"priorities": [{"name": "eth 0", "priority": 1}]}}'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.resources.network.priorities[0].name: bad name eth 0" ]
	edit '.linux.resources = {"blockIO": {"weight": "heavy"}}'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.resources.blockIO.weight: expected a number" ]
}

# ---- --mode=exec: a hand-made state dir of a "container" whose init is a sleep

# mkstate: $R/c1 with state.json and spec; $INIT the sleep standing for the init
mkstate() {
	R=$BATS_TEST_TMPDIR/state
	mkdir -p "$R/c1"
	sleep 100 3>&- &
	INIT=$!
	local st
	st=$(awk '{print $22}' "/proc/$INIT/stat")
	printf '{"ociVersion":"1.0.2","id":"c1","pid":%d,"status":"running","bundle":"%s","init_start_time":%s}\n' \
		"$INIT" "$B" "$st" > "$R/c1/state.json"
	cat > "$R/c1/spec" <<-SPEC
		ocispec 1
		oci.version 1.0.2
		state.dir $R/c1
		state.bundle $B
		root.path $B/rootfs
		root.pivot 0
		hostname runc
		mount /proc proc proc - -
		ns.new pid
		ns.new mount
		ns.join network /proc/1/ns/net
		annotation a b
		seccomp.default SCMP_ACT_ALLOW -
		seccomp.syscall mkdir SCMP_ACT_ERRNO 1
		process.apparmor container-profile
		process.oomscoreadj 5
		process.keyring c1
		cap.bounding CAP_KILL,CAP_CHOWN
		cap.effective CAP_KILL
		cap.permitted CAP_KILL
		cap.inheritable -
		cap.ambient -
		rlimit RLIMIT_NOFILE 10 10
		cgroup.dir pids /sys/fs/cgroup/pids/x new
		cgroup.dir pids /sys/fs/cgroup/pids/x/y new
		ns.pid $INIT
	SPEC
}

teardown() {
	[ -z "${INIT:-}" ] || { kill "$INIT"; wait "$INIT" || true; } 2>/dev/null
}

pexec() {
	run "$BIN/oci-parse" --mode=exec --root="$R" --id=c1 "$@" sh -c 'cat <&3' 3<&-
}

@test "exec mode: the container's records, the process's, and no state.dir" {
	mkstate
	pexec --arg=ls --arg=-l
	[ "$status" -eq 0 ]
	for want in "run.mode exec" "exec.pid $INIT" "exec.starttime $(awk '{print $22}' "/proc/$INIT/stat")" \
		"exec.detach 0" "state.bundle $B" "state.root $R" "oci.version 1.0.2" "root.path $B/rootfs" \
		"root.pivot 0" "ns.join pid /proc/$INIT/ns/pid" "ns.join mount /proc/$INIT/ns/mnt" \
		"ns.join network /proc/$INIT/ns/net" "annotation a b" "seccomp.default SCMP_ACT_ALLOW -" \
		"seccomp.syscall mkdir SCMP_ACT_ERRNO 1" "process.apparmor container-profile" \
		"process.oomscoreadj 5" "process.keyring c1" "rlimit RLIMIT_NOFILE 1024 1024" \
		"cgroup.dir pids /sys/fs/cgroup/pids/x existing" "cgroup.dir pids /sys/fs/cgroup/pids/x/y existing" \
		"arg ls" "arg -l" "process.terminal 0" "cap.bounding CAP_AUDIT_WRITE,CAP_KILL,CAP_NET_BIND_SERVICE"; do
		grep -qxF "$want" <<< "$output" || { echo "missing: $want"; return 1; }
	done
	for key in state.dir hostname mount ns.new ns.pid cgroup.path cgroup.device device symlink mask hook; do
		! grep -q "^$key " <<< "$output" || { echo "unexpected: $key"; return 1; }
	done
	# config.json's own rlimits win over the container's (runc's newInitConfig)
	[ "$(grep -c '^rlimit ' <<< "$output")" -eq 1 ]
}

@test "exec mode: a process file; what it leaves unset is the container's" {
	mkstate
	echo '{"args": ["x"], "cwd": "/w", "env": ["A=1"], "terminal": true, "user": {"uid": 1, "gid": 2}}' > "$BATS_TEST_TMPDIR/p.json"
	pexec --process="$BATS_TEST_TMPDIR/p.json" --detach --console-socket=/run/x.sock
	[ "$status" -eq 0 ]
	for want in "arg x" "process.cwd /w" "env A=1" "process.user 1 2" "process.terminal 1" "exec.detach 1" \
		"cap.bounding CAP_KILL,CAP_CHOWN" "cap.effective CAP_KILL" "rlimit RLIMIT_NOFILE 10 10" \
		"process.apparmor container-profile" "process.nnp 0" "run.consolesocket /run/x.sock"; do
		grep -qxF "$want" <<< "$output" || { echo "missing: $want"; return 1; }
	done
	echo '{"args": ["x"], "cwd": "/", "apparmorProfile": "mine", "oomScoreAdj": -3,
	       "rlimits": [{"type": "RLIMIT_CORE", "soft": 1, "hard": 2}]}' > "$BATS_TEST_TMPDIR/p.json"
	pexec --process="$BATS_TEST_TMPDIR/p.json" --cap=CAP_SYS_ADMIN --no-new-privs --user=3
	[ "$status" -eq 0 ]
	for want in "process.apparmor mine" "process.oomscoreadj -3" "rlimit RLIMIT_CORE 1 2" "process.nnp 1" \
		"cap.bounding CAP_KILL,CAP_CHOWN,CAP_SYS_ADMIN" "cap.ambient -" "process.user 3 0"; do
		grep -qxF "$want" <<< "$output" || { echo "missing: $want"; return 1; }
	done
	[ "$(grep -c '^process.apparmor \|^rlimit \|^process.oomscoreadj ' <<< "$output")" -eq 3 ]
}

@test "exec mode: bad requests fail in one line before anything" {
	mkstate
	run "$BIN/oci-parse" --mode=exec --id=c1 --arg=true true 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: --mode=exec needs --root (the container's state)" ]
	run "$BIN/oci-parse" --bundle="$B" --arg=true true 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: exec options need --mode=exec" ]
	run "$BIN/oci-parse" --mode=exec --root="$R" --id=nope --arg=true true 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: container does not exist: nope" ]
	pexec
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: process args cannot be empty" ]
	pexec --arg=x --tty --detach
	[ "$output" = "oci-parse: cannot allocate tty if runc will detach without setting console socket" ]
	pexec --arg=x --console-socket=/x
	[ "$output" = "oci-parse: cannot use console socket if runc will not detach or allocate tty" ]
	pexec --arg=x --env=novalue
	[ "$output" = "oci-parse: --env novalue: expected KEY=VALUE" ]
	pexec --arg=x --additional-gids=-1
	[ "$output" = "oci-parse: --additional-gids -1: expected a group id" ]
	pexec --arg=x --cgroup=:x
	[ "$output" = "oci-parse: --cgroup :x: empty controller" ]
	pexec --arg=x --cgroup=a:b:c
	[ "$output" = "oci-parse: invalid --cgroup argument: a:b:c" ]
	pexec --arg=x --cgroup=pids:x --cgroup=y
	[ "$output" = "oci-parse: invalid --cgroup argument: y (missing <controller>: prefix)" ]
	pexec --arg=x --cgroup=pids:
	[ "$output" = "oci-parse: --cgroup pids:: empty sub-cgroup path" ]
	kill "$INIT"
	wait "$INIT" || true
	pexec --arg=x
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: cannot exec in a stopped container" ]
	INIT=
}

@test "exec mode: --cgroup, v2 form: a checked sub-cgroup of the container's, appended last" {
	mkstate
	local cg=$BATS_TEST_TMPDIR/cg
	mkdir -p "$cg/c1/sub" "$cg/other"
	ln -s "$cg/other" "$cg/c1/esc"
	sed -i '/^cgroup.dir /d' "$R/c1/spec"
	echo "cgroup.dir unified $cg/c1 new" >> "$R/c1/spec"
	pexec --arg=x --cgroup=sub
	[ "$status" -eq 0 ]
	[ "$(grep '^cgroup.dir ' <<< "$output")" = "cgroup.dir unified $cg/c1 existing
cgroup.dir unified $cg/c1/sub existing" ]
	pexec --arg=x --cgroup=/sub
	[ "$status" -eq 0 ]
	grep -qxF "cgroup.dir unified $cg/c1/sub existing" <<< "$output"
	pexec --arg=x --cgroup=esc
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: --cgroup esc: $cg/c1/esc is not under the container's cgroup $cg/c1" ]
	pexec --arg=x --cgroup=memory:sub
	[ "$output" = "oci-parse: --cgroup memory:sub: the container has no memory cgroup" ]
	pexec --arg=x --cgroup=nosub
	[ "$output" = "oci-parse: --cgroup nosub: $cg/c1/nosub: No such file or directory" ]
}

@test "oci-parse: a namespace type the kernel lacks is refused by name (a kernel without time namespaces, faked)" {
	# /proc/self/ns of oci-parse, bound over by a copy without "time", as a kernel before 5.6 shows it
	mkdir -p "$BATS_TEST_TMPDIR/ns"
	for n in cgroup ipc mnt net pid pid_for_children user uts; do : > "$BATS_TEST_TMPDIR/ns/$n"; done
	edit '.linux.namespaces += [{"type": "time"}]'
	run unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /proc/$$/ns && exec "$2" --bundle="$3" true' \
		- "$BATS_TEST_TMPDIR/ns" "$BIN/oci-parse" "$B"
	[ "$status" -eq 100 ]
	# the index is the last entry's: runc spec adds a cgroup namespace on a v2 host
	n=$(jq '.linux.namespaces | length - 1' "$B/config.json")
	[ "$output" = "oci-parse: config.json: linux.namespaces[$n].type: this kernel has no time namespaces (no /proc/self/ns/time)" ]
	# the same config on this kernel, which has them
	parse
	[ "$status" -eq 0 ]
	grep -qx "ns.new time" <<< "$output"
}

# ---- --check (runc validate): every check, nothing created ----

@test "oci-parse --check: no program prints the spec it would publish, without fd.* records" {
	parse --id=v1 --setup-exit=1
	[ "$status" -eq 0 ]
	want=$(grep -v '^fd\.' <<< "$output")
	run --separate-stderr "$BIN/oci-parse" --check --bundle="$B" --id=v1 --setup-exit=1 3<&-
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$want" ]
	grep -qx "state.id v1" <<< "$output"
	grep -qx "exit.setup 1" <<< "$output"
	! grep -q '^state\.\(root\|dir\|lock\)' <<< "$output" || false
}

@test "oci-parse --check: --root, --pid-file, --console-socket and --mode=exec are refused" {
	for o in --root="$BATS_TEST_TMPDIR/state" --pid-file=p --console-socket=s; do
		run "$BIN/oci-parse" --check --bundle="$B" "$o" 3<&-
		[ "$status" -eq 100 ]
		[ "$output" = "oci-parse: --check: ${o%%=*} cannot be used" ]
	done
	[ ! -e "$BATS_TEST_TMPDIR/state" ]
	run "$BIN/oci-parse" --check --mode=exec --id=x 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: --check: --mode=exec cannot be used" ]
}

@test "oci-parse --check: a bad config fails with the line a run gives, 100 or --setup-exit" {
	edit '.process.cwd = "relative"'
	run "$BIN/oci-parse" --check --bundle="$B" 3<&-
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: process.cwd: relative is not an absolute path" ]
	run "$BIN/oci-parse" --check --bundle="$B" --setup-exit=1 true 3<&-
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: config.json: process.cwd: relative is not an absolute path" ]
}

@test "oci-parse --check: with a program it publishes as usual, the stage dir not as a mount clone" {
	# a run's fd.stagedir is a detached clone (another mount id than bin/'s); a check's is bin/ itself
	probe='d=$(sed -n "s/^fd.stagedir //p" <&3); sed -n "s/^mnt_id:\t//p" /proc/self/fdinfo/$d; exec 9<"$1"; sed -n "s/^mnt_id:\t//p" /proc/self/fdinfo/9'
	run "$BIN/oci-parse" --bundle="$B" sh -c "$probe" sh "$BIN" 3<&-
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" != "${lines[1]}" ]
	run "$BIN/oci-parse" --check --bundle="$B" sh -c "$probe" sh "$BIN" 3<&-
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "${lines[1]}" ]
	run "$BIN/oci-parse" --check --bundle="$B" sh -c 'readlink /proc/self/fd/3; grep -c "^fd\." <&3' 3<&-
	[[ "${lines[0]}" == "/memfd:ocispec"* ]]
	[ "${lines[1]}" = 1 ]
}

@test "oci-parse --check: a 2015 bundle checks and prints" {
	rm "$B/config.json"
	(cd "$B" && "$BIN/oci-spec" --legacy)
	run "$BIN/oci-parse" --check --bundle="$B" 3<&-
	[ "$status" -eq 0 ]
	grep -qx "oci.version 0.2.0" <<< "$output"
	grep -qx "cgroup.device allow c 4 0 rwm" <<< "$output"
}

@test "oci-parse --debug logs the chain after its options" {
	run "$BIN/oci-parse" --bundle="$B" --log="$BATS_TEST_TMPDIR/log" --debug oci-secure sh -c 'exit 0' 3<&-
	[ "$status" -eq 0 ]
	grep -qx "oci-parse: chain: oci-secure sh -c exit 0" "$BATS_TEST_TMPDIR/log"
	run "$BIN/oci-parse" --check --bundle="$B" --log="$BATS_TEST_TMPDIR/log2" --debug 3<&-
	[ "$status" -eq 0 ]
	grep -qx "oci-parse: chain: (none)" "$BATS_TEST_TMPDIR/log2"
	# without --debug, no such line
	run "$BIN/oci-parse" --bundle="$B" --log="$BATS_TEST_TMPDIR/log3" true 3<&-
	[ "$status" -eq 0 ]
	! grep -q chain: "$BATS_TEST_TMPDIR/log3" || false
}

@test "oci-parse --mode=restore: the criu records, no exec fifo; refusals make nothing" {
	mkdir -p "$BATS_TEST_TMPDIR/img"
	edit '.process.terminal = false'
	cd "$BATS_TEST_TMPDIR"
	local st=$BATS_TEST_TMPDIR/st
	parse --id=r1 --root="$st" --mode=restore --criu-image=img --criu-work=work --criu=/x/criu \
		--criu-opt=tcp-established --criu-opt=manage-cgroups=ignore --criu-opt=lsm-profile=apparmor:p \
		--detach --no-subreaper
	[ "$status" -eq 0 ]
	local want
	for want in "run.mode restore" "criu.path /x/criu" "criu.image $BATS_TEST_TMPDIR/img" \
		"criu.work $BATS_TEST_TMPDIR/work" "criu.opt tcp-established" "criu.opt manage-cgroups ignore" \
		"criu.opt lsm-profile apparmor:p" "run.detach 1" "run.nosubreaper 1"; do
		grep -qx "$want" <<< "$output" || { echo "no record: $want"; return 1; }
	done
	[ -d "$st/r1" ] && [ ! -e "$st/r1/exec.fifo" ]
	rm -rf "$st"
	for bad in "--criu-image=nope|open nope: No such file or directory" \
		"--criu-image=img --criu-opt=manage-cgroups=strict|--manage-cgroups-mode strict: the container's cgroup exists before criu runs; use soft or full" \
		"--criu-image=img --criu-opt=shell-job=1|--criu-opt shell-job=1: shell-job takes no value" \
		"--criu-image=img --criu-opt=bogus|--criu-opt bogus: unknown option" \
		"--criu-image=img --criu-opt=lsm-profile=x|--lsm-profile x: expected TYPE:NAME (apparmor:NAME or selinux:LABEL)" \
		"--criu-image=img --keep|--keep is for --mode=run only" \
		"--criu-image=img --tty|exec options need --mode=exec" \
		"|--mode=restore needs --criu-image"; do
		# shellcheck disable=SC2086 # the options, split
		parse --id=r1 --root="$st" --mode=restore ${bad%%|*}
		[ "$status" -eq 100 ]
		[ "$output" = "oci-parse: ${bad#*|}" ] || { echo "$output"; return 1; }
		[ ! -e "$st/r1" ]
	done
	parse --id=r1 --mode=restore --criu-image=img
	[ "$output" = "oci-parse: --mode=restore needs --root" ]
	parse --id=r1 --root="$st" --criu-image=img
	[ "$output" = "oci-parse: --criu options need --mode=restore" ]
	[ ! -e "$st" ]
}
