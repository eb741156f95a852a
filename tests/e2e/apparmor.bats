#!/usr/bin/env bats
# process.apparmorProfile for real: a test profile loaded with
# apparmor_parser, the container's process confined by it (as runc does:
# "exec PROFILE" written to the thread's attr/apparmor/exec just before its
# execve). They need AppArmor enabled: this host has none, so they run in
# make test-v2's guest (Debian's kernel enables AppArmor), with Debian's
# apparmor_parser unpacked on the host by tests/guest/apparmor (nothing
# installed). Where AppArmor is off, its twin checks the clear refusal.
load helpers

apparmor_enabled() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -d /sys/kernel/security/apparmor ]
}

requires_apparmor() {
	apparmor_enabled || skip "AppArmor is not enabled on this host (make test-v2's guest runs these tests)"
}

# PARSER: the system's apparmor_parser, else the one tests/guest/apparmor
# unpacked into the guest cache, with a parser.conf like Debian's (which
# pins the policy to the feature set in the package) that names the
# package's copy of it
find_parser() {
	local cache=${GUEST_CACHE:-$ROOT/build/guest}/apparmor
	if command -v apparmor_parser >/dev/null; then
		PARSER=(apparmor_parser --skip-cache)
	elif [ -x "$cache/sbin/apparmor_parser" ]; then
		echo "policy-features=$cache/usr/share/apparmor-features/features" > "$BATS_TEST_TMPDIR/parser.conf"
		PARSER=("$cache/sbin/apparmor_parser" --config-file="$BATS_TEST_TMPDIR/parser.conf" --skip-cache)
	else
		echo "no apparmor_parser: run tests/guest/apparmor on the host (it unpacks Debian's into $cache)"
		return 1
	fi
}

# load_profile NAME: a profile that allows everything but writing
# /tmp/denied, loaded (and removed by teardown)
load_profile() {
	local f=$BATS_TEST_TMPDIR/$1.profile
	cat > "$f" <<-EOF
		profile $1 flags=(attach_disconnected,mediate_deleted) {
		  file,
		  capability,
		  network,
		  signal,
		  ptrace,
		  unix,
		  mount,
		  umount,
		  pivot_root,
		  deny /tmp/denied w,
		}
	EOF
	"${PARSER[@]}" -r "$f" || return 1
	PROFILES+=("$1")
	grep -qx "$1 (enforce)" /sys/kernel/security/apparmor/profiles
}

setup() {
	setup_bundle
	PROFILES=()
	AA=rt-test-aa-$$-$BATS_TEST_NUMBER
	# a writable /tmp: the rootfs is read-only
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
	local p
	for p in "${PROFILES[@]}"; do
		"${PARSER[@]}" -R "$BATS_TEST_TMPDIR/$p.profile" || echo "could not remove profile $p"
	done
	if apparmor_enabled && grep "^rt-test-aa-$$-$BATS_TEST_NUMBER" /sys/kernel/security/apparmor/profiles; then
		echo "profile left loaded"
		return 1
	fi
}

# the attr file runc writes (attr/exec on kernels before 5.8)
aa_exec_attr() {
	if [ -e /proc/self/attr/apparmor ]; then
		echo /proc/thread-self/attr/apparmor/exec
	else
		echo /proc/thread-self/attr/exec
	fi
}

@test "apparmorProfile: the process runs confined, attr/current shows it, a denied write fails" {
	requires_apparmor
	find_parser
	load_profile "$AA"
	update_config ".process.apparmorProfile = \"$AA\""
	# one line: set_args makes an argument of each line
	set_args sh -c 'read -r l < /proc/$$/attr/current; echo "$l"; cat /proc/self/attr/apparmor/current; echo ok > /tmp/allowed && echo allowed; echo x > /tmp/denied || echo refused; [ ! -e /tmp/denied ]'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$AA (enforce)" ]
	[ "${lines[1]}" = "$AA (enforce)" ]
	[ "${lines[2]}" = allowed ]
	[ "${lines[3]}" = "sh: can't create /tmp/denied: Permission denied" ]
	[ "${lines[4]}" = refused ]
	[ "${#lines[@]}" -eq 5 ]
	assert_clean
}

@test "apparmorProfile: the host sees the init confined; exec gets the container's profile, --apparmor another" {
	requires_apparmor
	find_parser
	load_profile "$AA"
	load_profile "$AA-b"
	update_config ".process.apparmorProfile = \"$AA\""
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	init=$(runc state "$ID" | jq -r .pid)
	[ "$(cat "/proc/$init/attr/current")" = "$AA (enforce)" ]
	run runc exec "$ID" sh -c 'cat /proc/self/attr/current; echo x > /tmp/denied'
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$AA (enforce)" ]
	[ "${lines[1]}" = "sh: can't create /tmp/denied: Permission denied" ]
	run runc exec --apparmor "$AA-b" "$ID" cat /proc/self/attr/current
	[ "$status" -eq 0 ]
	[ "$output" = "$AA-b (enforce)" ]
	# a process.json without a profile gets the container's
	echo '{"args": ["cat", "/proc/self/attr/current"], "cwd": "/", "env": ["PATH=/bin"]}' > "$BATS_TEST_TMPDIR/p.json"
	run runc exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$AA (enforce)" ]
	runc delete --force "$ID"
	assert_clean
}

@test "apparmorProfile unconfined: the process is not confined" {
	requires_apparmor
	update_config '.process.apparmorProfile = "unconfined"'
	set_args cat /proc/self/attr/current
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = unconfined ]
	assert_clean
}

@test "apparmorProfile: a profile that is not loaded fails the run in runc's words and leaves nothing" {
	requires_apparmor
	update_config ".process.apparmorProfile = \"$AA-missing\""
	set_args true
	run runc run "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$output" = "oci-exec: apparmor failed to apply profile: write $(aa_exec_attr): no such file or directory" ]
	assert_clean
	# the same for runc exec --apparmor; the container goes on
	update_config 'del(.process.apparmorProfile)'
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	run runc exec --apparmor "$AA-missing" "$ID" true
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$output" = "oci-exec: apparmor failed to apply profile: write $(aa_exec_attr): no such file or directory" ]
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	runc delete --force "$ID"
	assert_clean
}

@test "apparmorProfile on a host without AppArmor fails clearly and leaves nothing" {
	! apparmor_enabled || skip "AppArmor is enabled here (the tests above apply)"
	update_config ".process.apparmorProfile = \"$AA\""
	set_args true
	run runc run "$ID"
	[ "$status" -ne 0 ]
	[ "$output" = "oci-secure: apparmor profile \"$AA\": AppArmor is not enabled on this host" ]
	assert_clean
}
