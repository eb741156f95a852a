#!/usr/bin/env bats
# list --format json, run --keep, runc's flags honoured or refused, SELinux
# labels on a host without SELinux, a chain composed by hand.
load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "list --format json: one line, runc's keys in runc's order, null when empty" {
	run runc list --format json
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	set_args sleep 100
	update_config '.annotations = {"org.example.k": "v"}'
	create "$ID"
	[ "$status" -eq 0 ]
	create "$ID-b"
	[ "$status" -eq 0 ]
	run runc list --format json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r 'length' <<< "$output")" = 2 ]
	[ "$(jq -c '[.[] | keys_unsorted]' <<< "$output")" = \
		'[["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"],["ociVersion","id","pid","status","bundle","rootfs","created","annotations","owner"]]' ]
	[ "$(jq -r '.[0].id' <<< "$output")" = "$ID" ]
	[ "$(jq -r '.[1].id' <<< "$output")" = "$ID-b" ]
	[ "$(jq -r '.[0].status' <<< "$output")" = created ]
	[ "$(jq -r '.[0].owner' <<< "$output")" = root ]
	[ "$(jq -r '.[0].bundle' <<< "$output")" = "$BUNDLE" ]
	[ "$(jq -r '.[0].rootfs' <<< "$output")" = "$(shared_rootfs)" ]
	[ "$(jq -r '.[0].annotations["org.example.k"]' <<< "$output")" = v ]
	[ "$(jq -r '.[0].pid' <<< "$output")" = "$(jq -r .pid <<< "$(runc state "$ID")")" ]
	runc delete --force "$ID-b"
	# without annotations the key is left out, as runc's omitempty does
	update_config 'del(.annotations)'
	create "$ID-c"
	[ "$status" -eq 0 ]
	run runc list --format json
	[ "$(jq -c '[.[] | keys_unsorted | length]' <<< "$output")" = '[9,8]' ]
	runc delete --force "$ID-c"
	runc delete --force "$ID"
	run runc list --format json
	[ "$output" = null ]
	run runc list --format yaml
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid format option: yaml"* ]]
	assert_clean
}

@test "SELinux labels and context= mount options are ignored without SELinux, with --debug lines" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	set_args sh -c 'grep " /tmp " /proc/self/mounts'
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
		| .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
		| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
			"options": ["nosuid", "context=\"system_u:object_r:container_file_t:s0\"", "size=1m"]}]'
	run "$RUNC" --root "$STATE" --debug --log "$BATS_TEST_TMPDIR/log" run "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == "tmpfs /tmp tmpfs rw,nosuid,relatime,size=1024k"* ]]
	grep -qx 'oci-secure: selinux label "system_u:system_r:container_t:s0:c1,c2" ignored: SELinux is disabled on this host' "$BATS_TEST_TMPDIR/log"
	grep -qx 'oci-mount: mount label "system_u:object_r:container_file_t:s0:c1,c2" ignored: SELinux is disabled on this host' "$BATS_TEST_TMPDIR/log"
	grep -qx 'oci-mount: mount option context="system_u:object_r:container_file_t:s0" ignored: SELinux is disabled on this host' "$BATS_TEST_TMPDIR/log"
	assert_clean
}

@test "an AppArmor profile on a host without AppArmor stays an error" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != "Y" ] || skip "AppArmor is enabled here"
	update_config '.process.apparmorProfile = "runc-default"'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-secure: apparmor profile "runc-default": AppArmor is not enabled on this host' ]
	assert_clean
}
