#!/usr/bin/env bats
# User namespaces: bind sources opened as host root, devices bound, the pty's
# owner, host files left alone, joining an existing user namespace.
load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -z "${ID2:-}" ] || "$RUNC" --root "$STATE" delete --force "$ID2" >/dev/null 2>&1 || true
	[ -z "${ID:-}" ] || "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1 || true
	teardown_bundle
}

# tty_line N: line N of a run under script(1), without its CR and the ^@
# the pty echoes first
tty_line() {
	local l=${lines[$1]//$'\r'/}
	echo "${l#^@}"
}

@test "userns: bind sources the mapped root cannot reach are opened as host root (file, dir, symlink)" {
	userns
	# a directory only host root may enter, as runc's "inaccessible mount source" test
	local secret=$BATS_TEST_TMPDIR/secret
	mkdir -m 0700 "$secret"
	mkdir -m 0755 "$secret/dir"
	echo file > "$secret/file"
	echo indir > "$secret/dir/f"
	chmod 0644 "$secret/file" "$secret/dir/f"
	ln -s "$secret/file" "$BATS_TEST_TMPDIR/link"
	# destinations on a tmpfs of the container's (the shared rootfs is host root's)
	update_config ".mounts += [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/tmp/file\", \"type\": \"bind\", \"source\": \"$secret/file\", \"options\": [\"bind\", \"ro\"]},
		{\"destination\": \"/tmp/dir\", \"type\": \"bind\", \"source\": \"$secret/dir\", \"options\": [\"rbind\"]},
		{\"destination\": \"/tmp/link\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/link\", \"options\": [\"bind\"]}]"
	# no fd the runtime held reaches the container's program: only 0 1 2 and ls's own
	set_args sh -c 'cat /tmp/file /tmp/dir/f; cat /tmp/link; test -L /tmp/link || echo notlink; ls /proc/self/fd | wc -l'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = file ]
	[ "${lines[1]}" = indir ]
	[ "${lines[2]}" = file ]
	[ "${lines[3]}" = notlink ]
	[ "${lines[4]}" -le 4 ]
	# the source dir is as it was
	[ "$(stat -c '%u %g %a' "$secret")" = "0 0 700" ]
	assert_clean
}

@test "userns: a missing bind source fails clearly and leaves nothing" {
	userns
	update_config ".mounts += [{\"destination\": \"/tmp/x\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/nothere\", \"options\": [\"bind\"]}]"
	set_args true
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/nothere: No such file or directory"* ]]
	assert_clean
}

@test "userns: devices are the host's, bind-mounted; a config device works" {
	userns
	update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rw"}]'
	set_args sh -c 'echo x > /dev/null && head -c 3 /dev/zero | wc -c && head -c 3 /dev/urandom | wc -c; stat -c "%t:%T %u" /dev/null /dev/kmsg; grep -c " /dev/null \| /dev/kmsg " /proc/self/mountinfo'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 3 ]
	[ "${lines[1]}" = 3 ]
	# the host's nodes: their owner (host root) is unmapped, so nobody inside
	[ "${lines[2]}" = "1:3 65534" ]
	[ "${lines[3]}" = "1:b 65534" ]
	# bind mounts, not nodes made with mknod
	[ "${lines[4]}" = 2 ]
	assert_clean
}

@test "terminal: the pty belongs to the process's user, with and without a user namespace" {
	update_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'stat -c "%u %g" $(tty) /dev/console'
	run script -qec "'$RUNC' --root '$STATE' run $ID" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	# the uid is the user's, the gid devpts' own (gid=5), as runc leaves it
	[ "$(tty_line 0)" = "1000 5" ]
	[ "$(tty_line 1)" = "1000 5" ]
	assert_clean
	userns
	run script -qec "'$RUNC' --root '$STATE' run $ID" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tty_line 0)" = "1000 5" ]
	assert_clean
	# runc exec -t: the new pty is the exec's user's
	update_config '.process.terminal = false | .process.user = {"uid": 0, "gid": 0}'
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	runc start "$ID"
	run script -qec "'$RUNC' --root '$STATE' exec -t -u 1000:1000 $ID sh -c 'stat -c \"%u %g\" \$(tty)'" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tty_line 0)" = "1000 5" ]
	runc delete --force "$ID"
	assert_clean
}

@test "userns: host files used as stdio keep their owners (/dev/null, the caller's tty, the bundle)" {
	userns
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'echo out; echo err >&2'
	local before after
	touch "$BUNDLE/out"
	before=$(stat -c '%n %u %g %a' /dev/null "$BUNDLE" "$BUNDLE/config.json" "$BUNDLE/out")
	runc run "$ID" < /dev/null > "$BUNDLE/out" 2>&1
	[ "$(cat "$BUNDLE/out")" = "out
err" ]
	after=$(stat -c '%n %u %g %a' /dev/null "$BUNDLE" "$BUNDLE/config.json" "$BUNDLE/out")
	[ "$before" = "$after" ]
	assert_clean
	# the caller's own terminal, as the process's stdio (terminal false)
	run script -qec "stat -c '%u %g %a' \$(tty); '$RUNC' --root '$STATE' run $ID; stat -c '%u %g %a' \$(tty)" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tty_line 0)" = "$(tty_line 3)" ]
	[ "$(tty_line 1)" = out ]
	assert_clean
}

@test "userns: joining another container's user namespace, with no mappings or matching ones" {
	userns
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	local pid
	pid=$(runc state "$ID" | jq -r .pid)
	# a second container in the first one's user namespace, with no mappings (runc needs none then)
	ID2=$ID-b
	update_config ".linux.namespaces |= map(if .type == \"user\" then .path = \"/proc/$pid/ns/user\" else . end)
		| del(.linux.uidMappings) | del(.linux.gidMappings)"
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user'
	run runc run "$ID2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "0 200000 65536" ]
	[ "$(echo ${lines[1]})" = "0 200000 65536" ]
	[ "${lines[2]}" = "$(readlink "/proc/$pid/ns/user")" ]
	# created and started too: the exec fifo belongs to that namespace's root
	create "$ID2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	runc start "$ID2"
	runc delete --force "$ID2"
	# the same mappings again: accepted (runc warns)
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	run runc run "$ID2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"both a userns path to join and a matching userns mapping specified"* ]]
	[ "$(echo ${lines[1]})" = "0 200000 65536" ]
	# other mappings: runc's error, nothing made
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
	run runc run "$ID2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one"* ]]
	[ ! -e "$STATE/$ID2" ]
	# neither a path nor mappings: runc's error
	update_config '.linux.namespaces |= map(if .type == "user" then del(.path) else . end) | del(.linux.uidMappings) | del(.linux.gidMappings)'
	run runc run "$ID2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.uidMappings"*"user namespaces enabled, but no namespace path to join nor mappings to apply specified"* ]]
	[ ! -e "$STATE/$ID2" ]
	ID2=
	runc delete --force "$ID"
	assert_clean
}

# idmap_supported DIR: the kernel can id-map a mount of DIR's filesystem
# (ext4, xfs, btrfs since 5.12; tmpfs since 6.3; not 9p)
idmap_supported() {
	local fs major minor
	fs=$(stat -fc %T "$1")
	IFS=. read -r major minor _ < /proc/sys/kernel/osrelease
	case $fs in
	ext2/ext3 | xfs | btrfs) return 0 ;;
	tmpfs) [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 3 ]; } ;;
	*) return 1 ;;
	esac
}

@test "userns: id-mapped mounts (mounts[].uidMappings, idmap option) show host ids as mapped; refused clearly" {
	userns
	local d=$BATS_TEST_TMPDIR/idm
	mkdir -m 0755 "$d"
	touch "$d/f0" "$d/f1000"
	chown 1000:1000 "$d/f1000"
	# on disk 0 and 1000 -> the container's 0 and 1000 (host 200000 and 201000)
	update_config ".mounts += [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/tmp/idm\", \"type\": \"bind\", \"source\": \"$d\", \"options\": [\"bind\"],
		 \"uidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 65536}],
		 \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 65536}]},
		{\"destination\": \"/tmp/opt\", \"type\": \"bind\", \"source\": \"$d\", \"options\": [\"rbind\", \"ridmap\", \"ro\"]},
		{\"destination\": \"/tmp/plain\", \"type\": \"bind\", \"source\": \"$d\", \"options\": [\"bind\"]}]"
	set_args sh -c 'stat -c "%u %g" /tmp/idm/f0 /tmp/idm/f1000 /tmp/opt/f1000 /tmp/plain/f0; touch /tmp/idm/new; touch /tmp/opt/x 2>/dev/null || echo ro'
	run runc run "$ID"
	echo "$output"
	if ! idmap_supported "$d"; then # (the guest's tmpfs on 6.1): a clear error, nothing left
		[ "$status" -eq 1 ]
		[ "$output" = "oci-ns: id-mapped mount of $d: the kernel or its filesystem cannot map it: Invalid argument" ]
		assert_clean
	else
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "0 0" ]
		[ "${lines[1]}" = "1000 1000" ]
		[ "${lines[2]}" = "1000 1000" ]
		[ "${lines[3]}" = "65534 65534" ]
		[ "${lines[4]}" = ro ]
		# written through the mapping: the container's root is host root on disk
		[ "$(stat -c '%u %g' "$d/new")" = "0 0" ]
		assert_clean
	fi
	# runc 1.2's rules, nothing made
	update_config '.mounts[-1] += {"uidMappings": [{"containerID": 0, "hostID": 200000, "size": 1}]}'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mounts["*"]: id-mapped mounts must have both uid and gid mappings specified"* ]]
	update_config '.mounts[-1] = {"destination": "/tmp/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"id-mapped mounts are only supported for bind-mounts"* ]]
	assert_clean
}

@test "userns: an id-mapped mount without a user namespace is refused and leaves nothing" {
	update_config ".mounts += [{\"destination\": \"/tmp\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR\", \"options\": [\"bind\", \"idmap\"]}]"
	set_args true
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"id-mapped mounts need a user namespace"* ]]
	assert_clean
}
