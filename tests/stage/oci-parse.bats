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
