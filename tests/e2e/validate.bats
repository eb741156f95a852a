#!/usr/bin/env bats
# runc validate: every check of a run (oci-parse --check, oci-secure
# --check), the normalized spec on stdout or the first error, and nothing
# created: no state dir, no cgroup, no namespace, no mount.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
	[ -z "${XDG_T:-}" ] || rm -rf "$XDG_T"
}

# the spec a run's chain gets from oci-parse (the same options as
# validate's), without the fd.* records
hand_spec() {
	"$ROOT/bin/oci-parse" --bundle="$BUNDLE" --id="$1" --setup-exit=1 sh -c 'cat <&3' 3<&- | grep -v '^fd\.'
}

# both: "runc validate" and "runc run $ID" on the bundle fail alike:
# status 1, one line, the same line; nothing left behind
both() {
	run runc run "$ID"
	local out=$output
	[ "$status" -eq 1 ]
	assert_clean
	run runc validate "$ID"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	# oci-secure's "spec line N" counts the run's records too (state.dir...)
	[ "$(sed 's/spec line [0-9]*:/spec line N:/' <<< "$output")" = "$(sed 's/spec line [0-9]*:/spec line N:/' <<< "$out")" ]
	assert_clean
}

# refused JQ LINE: the bundle's good.json edited by JQ fails in both with
# LINE ("spec line N" stands for any line number)
refused() {
	cp "$BUNDLE/good.json" "$BUNDLE/config.json"
	update_config "$1"
	both
	[ "$(sed 's/spec line [0-9]*:/spec line N:/' <<< "$output")" = "$2" ]
}

@test "validate: a good bundle prints the spec oci-parse gives the chain, without fd.* records" {
	run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "$(hand_spec "$ID")" ]
	[ "${lines[0]}" = "ocispec 1" ]
	grep -qx "state.id $ID" <<< "$output"
	grep -qx "root.path $(shared_rootfs)" <<< "$output"
	! grep -q '^\(fd\|secure\)\.' <<< "$output" || false
	! grep -q '^state\.\(root\|dir\|lock\)' <<< "$output" || false
	assert_clean
}

@test "validate: the id defaults to the bundle directory's name; -b, --bundle and --bundle= from elsewhere" {
	run --separate-stderr runc validate
	[ "$status" -eq 0 ]
	[ "$output" = "$(hand_spec bundle)" ]
	cd /
	for b in "-b $BUNDLE" "--bundle $BUNDLE" "--bundle=$BUNDLE" "-bundle=$BUNDLE"; do
		# shellcheck disable=SC2086 # the flag and its value as two words
		run --separate-stderr runc validate $b "$ID"
		[ "$status" -eq 0 ]
		[ "$output" = "$(hand_spec "$ID")" ]
	done
	run runc validate --bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --bogus" ]
	run runc validate -b "$BUNDLE" a b
	[ "$status" -eq 1 ]
	[ "$output" = "runc: validate: at most one container id expected" ]
	run runc validate -b "$BUNDLE/nothing" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: bundle $BUNDLE/nothing: No such file or directory" ]
	assert_clean
}

@test "validate: bad config.json fails as run does (one line, exit 1, nothing left): oci-parse's checks" {
	cp config.json good.json
	refused '.process.cwd = "relative"' "oci-parse: config.json: process.cwd: relative is not an absolute path"
	refused '.root.path = "nowhere"' "oci-parse: config.json: root.path: $BUNDLE/nowhere: No such file or directory"
	# runc spec lists a cgroup namespace on a cgroup v2 host only: the new entry's index varies
	refused '.linux.namespaces += [{"type": "bogus"}]' \
		"oci-parse: config.json: linux.namespaces[$(jq '.linux.namespaces | length' good.json)].type: unknown namespace type bogus"
	refused '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]' \
		'oci-parse: config.json: process.rlimits[0].type: unknown rlimit RLIMIT_BOGUS'
	refused '.hooks.prestart = [{"path": "relative"}]' 'oci-parse: config.json: hooks.prestart[0].path: expected an absolute path'
	echo '{"ociVersion": "1.0.2",' > config.json
	both
	[[ "$output" == "oci-parse: config.json: "* ]]
	rm config.json
	both
	[ "$output" = "oci-parse: open $BUNDLE/config.json: No such file or directory" ]
	mv good.json config.json
	run runc validate 'bad/id'
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: invalid container ID format: bad/id" ]
}

@test "validate: an unknown capability and bad seccomp profiles fail as run does: oci-secure's checks" {
	cp config.json good.json
	refused '.process.capabilities.bounding += ["CAP_BOGUS"]' \
		"oci-secure: spec line N: process.capabilities.bounding: unknown capability CAP_BOGUS"
	local sc='.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW"'
	refused "$sc"', "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]}' \
		"oci-secure: spec line N: unknown seccomp action SCMP_ACT_BOGUS"
	refused "$sc"', "architectures": ["SCMP_ARCH_VAX"]}' "oci-secure: spec line N: unknown seccomp architecture SCMP_ARCH_VAX"
	refused "$sc"', "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}], "listenerPath": "/nonexistent.sock"}' \
		"oci-secure: spec line N: SCMP_ACT_NOTIFY cannot be used for the write syscall"
	refused "$sc"', "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}' \
		"oci-secure: spec line N: SCMP_ACT_KILL takes no errno, got 1"
	# the profile compiles (libseccomp) in a validate too: a good one passes
	cp good.json config.json
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}'
	run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	grep -qx "seccomp.default SCMP_ACT_ERRNO -" <<< "$output"
	assert_clean
}

@test "validate: a syscall name libseccomp does not know is skipped as in a run (runc's rule), with a debug line" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	run --separate-stderr runc --debug --log "$BATS_TEST_TMPDIR/log" validate "$ID"
	[ "$status" -eq 0 ]
	grep -qx "seccomp.syscall no_such_syscall SCMP_ACT_ERRNO -" <<< "$output"
	grep -Eq "^oci-secure: spec line [0-9]+: unknown syscall no_such_syscall ignored$" "$BATS_TEST_TMPDIR/log"
	assert_clean
}

@test "validate: an AppArmor profile is judged as run judges it in oci-secure" {
	update_config '.process.apparmorProfile = "rt-test-validate"'
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -d /sys/kernel/security/apparmor ]; then
		# AppArmor on: oci-secure accepts the name (whether it is loaded is
		# oci-exec's to find when it applies it)
		run --separate-stderr runc validate "$ID"
		[ "$status" -eq 0 ]
		grep -qx "process.apparmor rt-test-validate" <<< "$output"
		assert_clean
	else
		both
		[ "$output" = 'oci-secure: apparmor profile "rt-test-validate": AppArmor is not enabled on this host' ]
	fi
}

@test "validate: a 2015 bundle (config.json + runtime.json) validates" {
	rm config.json
	cp "$BATS_TEST_DIRNAME/fixtures/2015/config.json" "$BATS_TEST_DIRNAME/fixtures/2015/runtime.json" .
	ln -s "$(shared_rootfs)" rootfs
	run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	grep -qx "oci.version 0.1.0" <<< "$output"
	grep -qx "root.propagation rprivate" <<< "$output"
	grep -qx "state.id $ID" <<< "$output"
	assert_clean
}

@test "validate: creates nothing: no mkdir, no file, no clone, no namespace, no mount (strace)" {
	command -v strace > /dev/null || skip "no strace"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}'
	strace -f -qq -o "$BATS_TEST_TMPDIR/trace" "$RUNC" --root "$STATE" validate "$ID" > "$BATS_TEST_TMPDIR/out"
	grep -qx "state.id $ID" "$BATS_TEST_TMPDIR/out"
	# the trace saw the stages (so an empty match below means something)
	grep -q 'execve.*oci-parse' "$BATS_TEST_TMPDIR/trace"
	grep -q 'execveat.*oci-secure' "$BATS_TEST_TMPDIR/trace"
	run grep -E '^[0-9]+ +(mkdir|mkdirat|mknod|mknodat|symlink|symlinkat|link|linkat|rename|renameat2?|clone|clone3|fork|vfork|unshare|setns|mount|umount2|open_tree|move_mount|fsopen|fsmount|mount_setattr|pivot_root|bpf)\(|O_CREAT' "$BATS_TEST_TMPDIR/trace"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	# libseccomp probes the kernel (calls that fail or only ask); no filter is loaded
	grep -q 'seccomp(' "$BATS_TEST_TMPDIR/trace"
	run grep -E 'seccomp\(SECCOMP_SET_MODE_(FILTER|STRICT),.*\) = [0-9]+$' "$BATS_TEST_TMPDIR/trace"
	[ "$status" -eq 1 ]
	[ ! -e "$STATE" ]
	assert_clean
}

@test "validate: --root does not matter: never made, an existing container of the id is no conflict" {
	run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	want=$output
	[ ! -e "$STATE" ]
	run --separate-stderr "$RUNC" validate "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	# a container of that id exists under --root: validate neither minds nor touches it
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	before=$(ls -l --time-style=full-iso "$STATE/$ID")
	run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	[ "$(ls -l --time-style=full-iso "$STATE/$ID")" = "$before" ]
	[ "$(runc state "$ID" | jq -r .status)" = created ]
	runc delete --force "$ID"
	assert_clean
}

@test "validate: --debug logs the chain and each stage's times; --log gets the error" {
	run --separate-stderr runc --debug --log "$BATS_TEST_TMPDIR/log" validate "$ID"
	[ "$status" -eq 0 ]
	grep -qx "oci-parse: chain: oci-secure --check" "$BATS_TEST_TMPDIR/log"
	grep -Eq '^oci-parse: done wall=[0-9.]+ms cpu=[0-9.]+ms$' "$BATS_TEST_TMPDIR/log"
	grep -Eq '^oci-secure: done wall=[0-9.]+ms cpu=[0-9.]+ms$' "$BATS_TEST_TMPDIR/log"
	update_config '.process.cwd = "relative"'
	run runc --log "$BATS_TEST_TMPDIR/log2" --log-format json validate "$ID"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg "$BATS_TEST_TMPDIR/log2")" = "oci-parse: config.json: process.cwd: relative is not an absolute path" ]
	assert_clean
}

@test "validate: --rootless=true is checked as a run checks it (cgroup.rootless)" {
	run --separate-stderr runc --rootless=true validate "$ID"
	[ "$status" -eq 0 ]
	grep -qx "cgroup.rootless implicit" <<< "$output"
	run --separate-stderr runc --rootless=false validate "$ID"
	[ "$status" -eq 0 ]
	! grep -q "^cgroup.rootless" <<< "$output" || false
}

@test "validate: reads no chain file (RUNC_CHAIN): it is the built-in check" {
	printf 'run oci-secure no-such-stage oci-cgroup oci-ns oci-mount oci-exec\n' > "$BATS_TEST_TMPDIR/chain"
	RUNC_CHAIN=$BATS_TEST_TMPDIR/chain run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hand_spec "$ID")" ]
	RUNC_CHAIN=$BATS_TEST_TMPDIR/missing run --separate-stderr runc validate "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(hand_spec "$ID")" ]
	assert_clean
}

@test "validate: a non-root caller's validate does not make \$XDG_RUNTIME_DIR/runc (a list does)" {
	command -v setpriv > /dev/null || skip "no setpriv"
	local xdg
	xdg=$(mktemp -d /tmp/rt-validate-XXXXXX)
	XDG_T=$xdg
	chmod 777 "$xdg"
	mkdir -p "$xdg/b/rootfs"
	jq '.root.path = "rootfs"' config.json > "$xdg/b/config.json"
	chmod -R a+rX "$xdg/b"
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_RUNTIME_DIR="$xdg" "$RUNC" "$@"
	}
	# a non-root config without a user namespace is refused (runc's rootless checks), and nothing is made
	run as_nobody validate -b "$xdg/b" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: config.json: linux.namespaces: rootless container requires user namespaces" ]
	[ ! -e "$xdg/runc" ]
	run as_nobody list
	[ "$status" -eq 0 ]
	[ -d "$xdg/runc" ]
}
