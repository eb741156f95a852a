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
	[ "$(grep -c '^ns.new' <<< "$output")" -eq 5 ]
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

@test "oci-parse: a resource this build cannot apply is refused only when it asks for something" {
	local cases=(
		'{"blockIO": {"weight": 500}}|linux.resources.blockIO'
		'{"blockIO": {"leafWeight": 10}}|linux.resources.blockIO'
		'{"blockIO": {"weightDevice": [{"major": 8, "minor": 0, "weight": 100}]}}|linux.resources.blockIO'
		'{"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]}}|linux.resources.blockIO'
		'{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}|linux.resources.hugepageLimits'
		'{"network": {"classID": 1048577}}|linux.resources.network'
		'{"network": {"priorities": [{"name": "eth0", "priority": 5}]}}|linux.resources.network'
		'{"rdma": {"mlx5_1": {"hcaHandles": 3}}}|linux.resources.rdma'
	)
	local c
	for c in "${cases[@]}"; do
		edit ".linux.resources = ${c%%|*}"
		parse
		echo "$c: $status $output"
		[ "$status" -eq 100 ]
		[ "$output" = "oci-parse: config.json: ${c#*|}: not supported yet" ]
	done
	edit '.linux.resources = {"blockIO": {"weight": "heavy"}}'
	parse
	[ "$status" -eq 100 ]
	[ "$output" = "oci-parse: config.json: linux.resources.blockIO.weight: expected a number" ]
}
