#!/usr/bin/env bats
# what engines send and match: docker's zero resources, podman's device
# fileMode, runc's wording of a command that cannot run (engines match it
# case-sensitively to pick 127 or 126)

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "engines: docker's zero resources mean unset, and the container runs" {
	update_config '.linux.resources += {"memory": {"disableOOMKiller": false}, "cpu": {"shares": 0},
		"blockIO": {"weight": 0}, "pids": {"limit": 0}}'
	set_args sh -c 'echo hi'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	assert_clean
}

@test "engines: podman's device fileMode with S_IFCHR makes the device" {
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8630, "uid": 0, "gid": 0}]'
	set_args stat -c '%F %t:%T %a' /dev/fuse
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file a:e5 666" ]
	assert_clean
}

# the message of `runc create` for a command that is missing or cannot run
create_fails() {
	create "$ID"
	echo "status=$status output=$output"
	[ "$status" -eq 1 ]
	[ ! -e "$STATE/$ID" ]
	assert_clean
}

@test "engines: a missing command is runc's 'executable file not found' or 'no such file or directory'" {
	set_args nosuchcommand
	create_fails
	[ "$output" = 'oci-exec: exec: "nosuchcommand": executable file not found in $PATH' ]
	set_args /bin/nosuchcommand
	create_fails
	[ "$output" = 'oci-exec: exec: "/bin/nosuchcommand": stat /bin/nosuchcommand: no such file or directory' ]
}

@test "engines: a command that is not executable is runc's 'permission denied'" {
	set_args /etc/passwd
	create_fails
	[ "$output" = 'oci-exec: exec: "/etc/passwd": permission denied' ]
	set_args /bin
	create_fails
	[ "$output" = 'oci-exec: exec: "/bin": permission denied' ]
}

@test "engines: an execve that fails prints runc's 'exec PATH: error' in lower case" {
	# a script whose interpreter is missing: found and executable, yet execve says ENOENT
	local rootfs=$BATS_TEST_TMPDIR/rootfs
	cp -a "$(shared_rootfs)" "$rootfs"
	printf '#!/nonexistent/sh\necho never\n' > "$rootfs/bin/orphan"
	printf '\177ELF garbage' > "$rootfs/bin/garbage"
	chmod 755 "$rootfs/bin/orphan" "$rootfs/bin/garbage"
	update_config ".root.path = \"$rootfs\""
	set_args /bin/orphan
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-exec: exec /bin/orphan: no such file or directory' ]
	assert_clean
	set_args /bin/garbage
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-exec: exec /bin/garbage: exec format error' ]
	assert_clean
}

@test "engines: --root is made with its parents, as containerd's shim expects (ROOT/NAMESPACE)" {
	set_args true
	run "$RUNC" --root "$STATE/k8s.io/deeper" run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -d "$STATE/k8s.io/deeper" ]
	[ ! -e "$STATE/k8s.io/deeper/$ID" ]
	assert_clean
}
