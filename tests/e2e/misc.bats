#!/usr/bin/env bats
# list --format json, run --keep, runc's flags honoured or refused, SELinux
# labels on a host without SELinux, a chain composed by hand.
load helpers
bats_require_minimum_version 1.5.0

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

@test "run --keep: the state stays after the exit (stopped, pid 0), and delete removes the rest" {
	set_args sh -c 'echo out; exit 3'
	update_config '.hooks = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "echo stopped >> '"$BATS_TEST_TMPDIR"'/poststop"]}]}'
	run runc run --keep "$ID"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	run runc state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<< "$output")" = stopped ]
	[ "$(jq -r .pid <<< "$output")" = 0 ]
	[ "$(jq -r '.[0].status' <<< "$(runc list --format json)")" = stopped ]
	# as runc 1.1: the cgroups stay until delete, and so do the poststop hooks
	[ -d "$(cg_dir pids)" ]
	[ ! -e "$BATS_TEST_TMPDIR/poststop" ]
	run runc run --keep "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container with given ID already exists"* ]]
	runc delete "$ID"
	[ "$(cat "$BATS_TEST_TMPDIR/poststop")" = stopped ]
	assert_clean
	# without --keep, nothing stays
	run runc run "$ID"
	[ "$status" -eq 3 ]
	assert_clean
}

@test "run --keep and --no-subreaper are run's flags; create refuses them" {
	run runc create --keep "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --keep" ]
	run runc create -no-subreaper "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: -no-subreaper" ]
	assert_clean
}

@test "run --no-subreaper: an orphan of the container no longer comes back to runc" {
	# no pid namespace: the orphan's parent is the host's view of who reaps it
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
	set_args sh -c 'p=$(sh -c "sleep 1 >/dev/null & echo \$!"); sleep 0.2; grep PPid /proc/$p/status | cut -f2; echo $PPID'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	# the monitor (the init's parent) is the subreaper by default
	[ "${lines[0]}" = "${lines[1]}" ]
	run runc run -no-subreaper "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "${lines[1]}" ]
	assert_clean
	# joining a namespace needs the subreaper: refused, and nothing is left
	update_config '.linux.namespaces += [{"type": "ipc", "path": "/proc/self/ns/ipc"}] | .linux.namespaces |= unique_by(.type)'
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "ipc" then {"type": "ipc", "path": "/proc/1/ns/ipc"} else . end]'
	run runc run --no-subreaper "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-ns: --no-subreaper: joining existing namespaces needs the monitor as the child subreaper" ]
	assert_clean
}

@test "--systemd-cgroup: accepted, then a clear error naming systemd where a cgroup would be made" {
	[ ! -d /run/systemd/system ] || skip "systemd runs here"
	run "$RUNC" --root "$STATE" --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: --systemd-cgroup: systemd is not running on this host (no /run/systemd/system)" ]
	run "$RUNC" --root "$STATE" -systemd-cgroup create "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"systemd is not running"* ]]
	assert_clean
	# a private /run that says systemd runs: cgroup v2 only, and then systemd must answer
	run unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$0" --root "$1" --systemd-cgroup run "$2"' "$RUNC" "$STATE" "$ID"
	[ "$status" -eq 1 ]
	if cgroup_v2; then
		[ "$output" = "oci-cgroup: connect to systemd: connect /run/systemd/private: No such file or directory; connect /run/dbus/system_bus_socket: No such file or directory" ]
	else
		[ "$output" = "oci-cgroup: systemd cgroup driver: /sys/fs/cgroup is not a cgroup v2 hierarchy (a cgroup v1 or hybrid host); --systemd-cgroup needs cgroup v2" ]
	fi
	assert_clean
	# commands that make no cgroup take it, as containerd passes it to all
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	run "$RUNC" --root "$STATE" --systemd-cgroup state "$ID"
	[ "$status" -eq 0 ]
	run "$RUNC" --root "$STATE" --systemd-cgroup list -q
	[ "$output" = "$ID" ]
	"$RUNC" --root "$STATE" --systemd-cgroup kill "$ID" KILL
	"$RUNC" --root "$STATE" --systemd-cgroup delete --force "$ID"
	assert_clean
}

@test "--rootless: true, false and auto (as root: false) run; another value is refused; --criu is taken" {
	set_args true
	# true: cgroups root cannot write would be skipped (rootless.bats); root writes them
	run "$RUNC" --root "$STATE" --rootless true run "$ID"
	[ "$status" -eq 0 ]
	run "$RUNC" --root "$STATE" --rootless=1 run "$ID"
	[ "$status" -eq 0 ]
	run "$RUNC" --root "$STATE" --rootless maybe list
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: invalid value "maybe" for flag --rootless: true, false or auto' ]
	run "$RUNC" --root "$STATE" --rootless false run "$ID"
	[ "$status" -eq 0 ]
	run "$RUNC" --root "$STATE" -rootless=auto run "$ID"
	[ "$status" -eq 0 ]
	# --criu names the criu that checkpoint and restore run; run does not use it
	run "$RUNC" --root "$STATE" --criu /usr/sbin/criu run "$ID"
	[ "$status" -eq 0 ]
	# a checkpoint runs that one: a criu that does not exist is an exec
	# error naming it, and the container runs on as it was
	set_args sleep 1000
	"$RUNC" --root "$STATE" run -d "$ID" < /dev/null > /dev/null 2>&1 3>&-
	local opt
	for opt in "--criu /nonexistent/criu" "-criu=/nonexistent/criu"; do
		# shellcheck disable=SC2086 # the option and its value
		run "$RUNC" --root "$STATE" $opt checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$ID"
		echo "$output"
		[ "$status" -eq 1 ]
		[ "$output" = "oci-checkpoint: run /nonexistent/criu swrk: No such file or directory" ]
		[ "$(runc state "$ID" | jq -r .status)" = running ]
	done
	runc delete --force "$ID"
	assert_clean
}

@test "spec --rootless writes a rootless spec (rootless.bats); spec's Go-style flags work" {
	cd "$BATS_TEST_TMPDIR"
	mkdir s
	run "$RUNC" spec --rootless -b s
	[ "$status" -eq 0 ]
	[ "$(jq -c '.linux.namespaces[-1]' s/config.json)" = '{"type":"user"}' ]
	rm s/config.json
	run "$RUNC" spec -bundle s
	[ "$status" -eq 0 ]
	[ -s s/config.json ]
	run "$RUNC" spec -bundle=s
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.json"* ]]
}

@test "every per-command flag runc 1.1 has for create, run, start, state, kill, delete, list is known" {
	# a flag runc does not have is refused by name
	local c
	for c in create run state kill delete list; do
		run runc "$c" --no-such-flag "$ID"
		[ "$status" -eq 1 ] || { echo "$c took --no-such-flag"; return 1; }
		[[ "$output" == *"flag provided but not defined: --no-such-flag"* ]] || { echo "$c: $output"; return 1; }
	done
	# start ID takes no flag at all (2015's start without an ID takes run's)
	run runc start --no-such-flag "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --no-such-flag" ]
	# runc 1.1's flags of those commands, each in Go's single-dash form too
	set_args true
	run runc run -bundle "$BUNDLE" -pid-file "$BATS_TEST_TMPDIR/pid" -no-pivot -no-new-keyring -preserve-fds 0 -keep -no-subreaper "$ID"
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/pid" ]
	run runc list -format json -quiet
	[ "$output" = "$ID" ]
	run runc delete -force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

# no cgroup dir named $ID anywhere, at any depth of our own cgroups
no_cgroup_left() {
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		if find "$d" -type d -name "$ID" 2>/dev/null | grep -q .; then
			echo "cgroup left in $d"
			return 1
		fi
	done
}

@test "a chain composed by hand without --root removes its cgroups, after an exit and after a failure" {
	local chain=(oci-secure oci-cgroup oci-ns oci-mount oci-exec)
	# no cgroup namespace (runc spec's on v2): /proc/self/cgroup shows the path
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	set_args sh -c 'cat /proc/self/cgroup | grep -c "/'"$ID"'$"; exit 4'
	run "$ROOT/bin/oci-parse" --bundle=. --id="$ID" "${chain[@]}"
	[ "$status" -eq 4 ]
	[ "$output" -ge 1 ] # it ran in its own cgroups
	no_cgroup_left
	# the container's command is missing: oci-exec fails inside, the monitor tears down
	set_args /no/such/program
	run -127 "$ROOT/bin/oci-parse" --bundle=. --id="$ID" "${chain[@]}"
	no_cgroup_left
	# oci-cgroup fails after its mkdir (cpus this machine does not have)
	set_args true
	update_config '.linux.resources.cpu = {"cpus": "4095"}'
	run "$ROOT/bin/oci-parse" --bundle=. --id="$ID" "${chain[@]}"
	[ "$status" -eq 111 ]
	[[ "$output" == oci-cgroup:* ]]
	no_cgroup_left
	assert_clean
}

@test "start: poststart hooks run once the program took its first steps (it first sleeps or exits)" {
	mkdir "$BATS_TEST_TMPDIR/out"
	update_config '.mounts += [{"destination": "/out", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/out", "options": ["rbind"]}]
		| .hooks = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook >> '"$BATS_TEST_TMPDIR"'/out/f"]}]}'
	set_args sh -c 'echo process >> /out/f; sleep 100'
	local i
	for i in 1 2 3; do
		rm -f "$BATS_TEST_TMPDIR/out/f"
		create "$ID"
		[ "$status" -eq 0 ]
		runc start "$ID"
		[ "$(cat "$BATS_TEST_TMPDIR/out/f")" = "$(printf 'process\nhook')" ]
		runc delete --force "$ID"
	done
	# a program that never sleeps delays the hooks by 100 ms at most
	set_args sh -c 'while :; do :; done'
	create "$ID"
	[ "$status" -eq 0 ]
	local t0 t1
	t0=$(date +%s%N)
	runc start "$ID"
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 2000 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/f")" = "$(printf 'process\nhook\nhook')" ]
	runc delete --force "$ID"
	assert_clean
}
