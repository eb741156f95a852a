#!/usr/bin/env bats
# The 2015 runc of the seed README: `runc start` in a bundle holding
# config.json + runtime.json (0.1.0 verbatim from the README, and 0.2.0 as
# `runc spec --legacy` writes it), the global --id, `runc --id X kill`.

load helpers

FIX=$BATS_TEST_DIRNAME/fixtures/2015

# a bundle directory named $ID holding the README's two files verbatim
setup_legacy() {
	requires_root
	ID=rt-test-$$-$BATS_TEST_NUMBER
	STATE=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/$ID
	mkdir -p "$BUNDLE"
	cp "$FIX/config.json" "$FIX/runtime.json" "$BUNDLE/"
	ln -s "$(shared_rootfs)" "$BUNDLE/rootfs"
	cd "$BUNDLE" || return 1
}

setup() {
	setup_legacy
}

teardown() {
	teardown_bundle
}

# legacy_args ARG...: process.args of the 2015 config.json, terminal off
legacy_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	update_config ".process.args = $json | .process.terminal = false"
}

@test "2015: the README's files are the fixture, verbatim" {
	local seed=$ROOT/../shared/seed
	if [ -d "$seed" ]; then
		cmp "$FIX/config.json" "$seed/config.json"
		cmp "$FIX/runtime.json" "$seed/runtime.json"
	fi
	[ "$(jq -r .version config.json)" = 0.1.0 ]
	[ "$(jq -r .linux.resources.blockIO.blkioWeightDevice runtime.json)" = "" ]
}

@test "2015: runc start gives a shell on the terminal where ps shows PID 1 sh" {
	run script -qec "'$RUNC' --root '$STATE' start" /dev/null <<'EOF2'
ps
exit 7
EOF2
	echo "$output"
	[ "$status" -eq 7 ]
	echo "$output" | grep -E '^ *1 +root +.*sh'
	assert_clean
}

@test "2015: the id is the directory's name, and nothing is left" {
	legacy_args sh -c 'echo ready; sleep 2; true'
	start_bg start
	local pid=$BG
	[ -d "$STATE/$ID" ]
	wait "$pid"
	assert_clean
}

@test "2015: -b does not change the default id; --id does" {
	legacy_args sh -c 'echo ready; sleep 2; true'
	cd "$BATS_TEST_TMPDIR"
	start_bg start -b "$BUNDLE"
	local pid=$BG
	local name
	name=$(basename "$BATS_TEST_TMPDIR")
	[ -d "$STATE/$name" ]
	wait "$pid"
	start_bg --id other start -b "$BUNDLE"
	pid=$BG
	[ -d "$STATE/other" ]
	wait "$pid"
	[ -z "$(ls -A "$STATE")" ]
}

@test "2015: runc exits with the container's status, 128+N for signal N" {
	legacy_args sh -c 'exit 3'
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 3 ]
	update_config '.process.args = ["sh", "-c", "kill -TERM $$; sleep 1"]'
	# sh is pid 1 here and ignores TERM from inside: signal it from outside
	legacy_args sh -c 'echo ready; while :; do sleep 0.1; done'
	start_bg start
	local pid=$BG
	run "$RUNC" --root "$STATE" --id "$ID" kill KILL
	[ "$status" -eq 0 ]
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
	assert_clean
}

@test "2015: runc --id X kill [SIGNAL] from another terminal" {
	legacy_args sh -c 'trap "echo got USR1; exit 5" USR1; echo ready; while :; do sleep 0.1; done'
	start_bg start
	local pid=$BG
	cd /
	run "$RUNC" --root "$STATE" --id "$ID" kill SIGUSR1
	[ "$status" -eq 0 ]
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 5 ]
	grep -q "got USR1" "$BATS_TEST_TMPDIR/out"
	run "$RUNC" --root "$STATE" --id "$ID" kill
	[ "$status" -eq 1 ]
	[ "$output" = "oci-kill: container $ID does not exist" ]
}

@test "2015: the systemd unit's way: no tty, terminal false, from WorkingDirectory" {
	legacy_args sh -c 'echo "served by $(hostname)"; exit 0'
	run setsid sh -c "cd '$BUNDLE' && exec '$RUNC' --root '$STATE' start < /dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "served by shell" ]
	assert_clean
}

@test "2015: runc spec --legacy writes the 0.2.0 pair, and runc start runs it" {
	rm config.json runtime.json
	run "$RUNC" spec --legacy
	[ "$status" -eq 0 ]
	[ "$(jq -r .version config.json)" = 0.2.0 ]
	[ "$(jq -c '.mounts | keys' runtime.json)" = '["cgroup","dev","devpts","mqueue","proc","shm","sysfs"]' ]
	[ "$(jq -c .hooks runtime.json)" = '{"prestart":null,"poststart":null,"poststop":null}' ]
	[ "$(jq -c .linux.seccomp.architectures runtime.json)" = null ]
	[ "$(tail -c1 runtime.json)" = "}" ] # no trailing newline, as Go wrote it
	grep -q "$(printf '\t')\"version\"" config.json
	legacy_args sh -c 'cat /proc/self/status | grep CapBnd; exit 4'
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 4 ]
	# CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
	[[ "$output" == *0000000020000420* ]]
	assert_clean
}

@test "2015: runc spec --legacy refuses to overwrite either file" {
	rm config.json
	run "$RUNC" spec --legacy
	[ "$status" -eq 1 ]
	[ "$output" = "oci-spec: File runtime.json exists. Remove it first" ]
	[ ! -e config.json ]
}

@test "2015: errors name the file and the field" {
	update_config '.mounts[0].name = "nosuch"'
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-parse: config.json: mounts[0].name: mount "nosuch" not found in runtime.json' ]
	cp "$FIX/config.json" .
	jq '.linux.resources.blockIO.blkioWeightDevice = "8:0 500"' runtime.json > r && mv r runtime.json
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: runtime.json: linux.resources.blockIO.blkioWeightDevice: blkio limits are not supported yet" ]
	jq '.linux.devices[0].type = "x"' "$FIX/runtime.json" > runtime.json
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: runtime.json: linux.devices[0].type: expected 99 (c), 98 (b), 117 (u) or 112 (p)" ]
	rm runtime.json
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: open $BUNDLE/runtime.json: No such file or directory" ]
	[ -z "$(ls -A "$STATE" 2>/dev/null)" ]
}

@test "2015: readonly adds 2015's masks, devices get the 2015 allow-list (v1 devices.list)" {
	requires_cgroup_v1
	legacy_args sh -c 'grep -c " /proc/sys ro" /proc/self/mountinfo; cat /sys/fs/cgroup/devices/devices.list | head -3; touch /sys/x 2>&1 | grep -c Read-only'
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = "c *:* m" ]
	[ "${lines[3]}" = "c 5:1 rwm" ]
	[ "${lines[4]}" = 1 ]
}

# what the list does, on either layout (the v1 devices cgroup, v2's eBPF
# filter): nodes made in the rootfs beforehand, c 1:3 (null, listed)
# usable, b 7:0 (loop0: blocks get mknod only) refused by the filter
@test "2015: readonly adds 2015's masks, the 2015 allow-list is enforced" {
	rm "$BUNDLE/rootfs"
	cp -a "$(shared_rootfs)" "$BUNDLE/rootfs"
	mknod "$BUNDLE/rootfs/t-null" c 1 3
	mknod "$BUNDLE/rootfs/t-loop" b 7 0
	local t='grep -c " /proc/sys ro" /proc/self/mountinfo'
	t="$t; echo x > /t-null && echo null-ok; head -c1 /dev/zero | wc -c; head -c1 /t-loop 2>&1"
	legacy_args sh -c "$t; touch /sys/x 2>&1 | grep -c Read-only"
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = null-ok ]
	[ "${lines[2]}" = 1 ]
	[[ "${lines[3]}" == *"/t-loop: Operation not permitted" ]]
	[ "${lines[4]}" = 1 ]
}

@test "2015: runtime.json's hooks run, poststop after the container is removed" {
	legacy_args sh -c 'exit 0'
	jq ".hooks.prestart = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $BATS_TEST_TMPDIR/pre\"], \"env\": null}] | .hooks.poststop = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"test -e $STATE/$ID && echo state-left; cat > $BATS_TEST_TMPDIR/post\"]}]" runtime.json > r && mv r runtime.json
	run "$RUNC" --root "$STATE" start
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/pre")" = created ]
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/post")" = stopped ]
	[ "$(jq -r .id "$BATS_TEST_TMPDIR/post")" = "$ID" ]
	assert_clean
}
