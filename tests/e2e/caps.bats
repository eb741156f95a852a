#!/usr/bin/env bats
# capabilities: the five sets as the kernel shows them inside
# (/proc/self/status), for root and non-root users, run and exec

load helpers

setup() {
	setup_bundle
	# CHOWN 0 (0x1), KILL 5 (0x20), NET_BIND_SERVICE 10 (0x400)
	update_config '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
		"inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL", "CAP_CHOWN"]}'
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

CAPS='grep ^Cap /proc/self/status'

# The kernel's rules at the execve: root's program gets the bounding and
# inheritable sets in permitted and effective, but with no_new_privs (runc
# spec's default) no more than it had: the configured permitted set;
# another user's program only the ambient ones. Ambient needs permitted
# and inheritable (CAP_CHOWN is not inheritable: skipped, as runc).
ROOT_SETS='CapInh:	0000000000000020
CapPrm:	0000000000000021
CapEff:	0000000000000021
CapBnd:	0000000000000421
CapAmb:	0000000000000020'
USER_SETS='CapInh:	0000000000000020
CapPrm:	0000000000000020
CapEff:	0000000000000020
CapBnd:	0000000000000421
CapAmb:	0000000000000020'

@test "caps: the five sets for root and for uid 1000, run" {
	set_args sh -c "$CAPS"
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$ROOT_SETS" ]
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$USER_SETS" ]
	# root without no_new_privs: bounding and inheritable
	update_config '.process.user = {"uid": 0, "gid": 0} | .process.noNewPrivileges = false'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "CapPrm:	0000000000000421" ]
	[ "${lines[2]}" = "CapEff:	0000000000000421" ]
	# no capabilities at all
	update_config '.process.capabilities = {}'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'CapInh:\t%016d\nCapPrm:\t%016d\nCapEff:\t%016d\nCapBnd:\t%016d\nCapAmb:\t%016d' 0 0 0 0 0)" ]
	assert_clean
}

@test "caps: exec: the container's sets, --user, --cap, and a process.json's own" {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	run runc exec "$ID" sh -c "$CAPS"
	[ "$status" -eq 0 ]
	[ "$output" = "$ROOT_SETS" ]
	run runc exec --user 1000:1000 "$ID" sh -c "$CAPS"
	[ "$status" -eq 0 ]
	[ "$output" = "$USER_SETS" ]
	# --cap adds to bounding, effective and permitted (SYS_ADMIN 21: 0x200000), not to ambient
	run runc exec --cap CAP_SYS_ADMIN "$ID" sh -c "$CAPS"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "CapPrm:	0000000000200021" ]
	[ "${lines[3]}" = "CapBnd:	0000000000200421" ]
	[ "${lines[4]}" = "CapAmb:	0000000000000020" ]
	run runc exec --user 1000:1000 --cap CAP_SYS_ADMIN "$ID" sh -c "$CAPS"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "CapPrm:	0000000000000020" ]
	[ "${lines[3]}" = "CapBnd:	0000000000200421" ]
	# a process.json with its own capabilities
	jq '.process | .args = ["sh", "-c", "grep ^Cap /proc/self/status"] | .user = {"uid": 1000, "gid": 1000}
		| .capabilities = {"bounding": ["CAP_KILL", "CAP_SETUID"], "permitted": ["CAP_KILL", "CAP_SETUID"],
		"inheritable": ["CAP_KILL", "CAP_SETUID"], "effective": ["CAP_KILL"], "ambient": ["CAP_SETUID"]}' \
		"$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/p.json"
	run runc exec -p "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -eq 0 ]
	# SETUID 7: 0x80
	[ "$output" = "$(printf 'CapInh:\t00000000000000a0\nCapPrm:\t0000000000000080\nCapEff:\t0000000000000080\nCapBnd:\t00000000000000a0\nCapAmb:\t0000000000000080')" ]
	runc delete --force "$ID"
	assert_clean
}

@test "caps: an unknown name is an error naming the field, for run and exec --cap" {
	update_config '.process.capabilities.permitted += ["CAP_FOO"]'
	set_args true
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-secure: spec line "*": process.capabilities.permitted: unknown capability CAP_FOO" ]]
	[ ! -e "$STATE/$ID" ]
	update_config '.process.capabilities.permitted -= ["CAP_FOO"]'
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	run runc exec --cap CAP_BAR "$ID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"process.capabilities.bounding: unknown capability CAP_BAR"* ]]
	runc delete --force "$ID"
	assert_clean
}
