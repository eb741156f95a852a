#!/usr/bin/env bats
# Rootless containers: `runc spec --rootless` and runc run by a non-root
# user, as runc does it: a user namespace mapping the caller's ids (wider
# maps through newuidmap/newgidmap and /etc/subuid), the state under
# $XDG_RUNTIME_DIR/runc, cgroups skipped where the user may not write and
# no limit is set, used where they are delegated to the user.
# setup_file makes a test user (useradd gives it its /etc/subuid and
# /etc/subgid ranges); teardown_file removes it, its ranges and its files.
load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (to make a test user)"
	command -v newuidmap >/dev/null || skip "needs newuidmap (Debian's uidmap)"
	export RL_USER=rt-rl-$$
	# a tree the user can reach: bats' own tmp dirs are 0700 root
	RL_BASE=$(mktemp -d /tmp/rt-rootless.XXXXXX)
	export RL_BASE
	chmod 755 "$RL_BASE"
	# another test file may hold the passwd lock a moment: useradd then says so
	local _
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		useradd -M -d "$RL_BASE/home" -s /bin/sh "$RL_USER" && break
		sleep 0.5
	done
	id "$RL_USER" >/dev/null
	mkdir -m 700 "$RL_BASE/home" "$RL_BASE/xdg"
	chown "$RL_USER:" "$RL_BASE/home" "$RL_BASE/xdg"
	"$ROOT/tests/mkrootfs.sh" "$RL_BASE" >/dev/null
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	RL_SUBGID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
	export RL_UID RL_GID RL_SUBUID RL_SUBGID
}

teardown_file() {
	[ -n "${RL_USER:-}" ] || return 0
	# its processes are ours to end (a failed test's container), by pid
	local p
	for p in $(pgrep -u "$RL_USER" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
	userdel "$RL_USER" 2>/dev/null || true
	# userdel removes the subordinate ranges; make sure of it
	if grep -q "^$RL_USER:" /etc/subuid /etc/subgid 2>/dev/null; then
		usermod --del-subuids 0-4294967294 --del-subgids 0-4294967294 "$RL_USER" 2>/dev/null ||
			sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	fi
	rm -rf "$RL_BASE"
}

setup() {
	ID=rt-test-rl-$$-$BATS_TEST_NUMBER
	STATE=$RL_BASE/xdg/runc # where a non-root caller's state goes
	BUNDLE=$RL_BASE/b$BATS_TEST_NUMBER
	mkdir "$BUNDLE"
	chown "$RL_USER:" "$BUNDLE"
	cd "$BUNDLE" || return 1
	urunc spec --rootless
	update_config ".root.path = \"$RL_BASE/rootfs\" | .process.terminal = false"
}

teardown() {
	cd /
	if [ -e "$STATE/$ID" ]; then urunc delete --force "$ID" || true; fi
	delegate_remove
	rm -rf "$BUNDLE"
}

# as_user CMD...: CMD as the test user, with a fresh environment
as_user() {
	runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL_BASE/home" \
		XDG_RUNTIME_DIR="$RL_BASE/xdg" "$@"
}
# urunc ARGS...: bin/runc as the test user, no --root (the default is the test's)
urunc() {
	as_user "$RUNC" "$@"
}

# delegate: a cgroup D under our own in every hierarchy oci-cgroup uses,
# given to the user as systemd's Delegate= does (the dir, cgroup.procs,
# cgroup.subtree_control, tasks); $DELEG_RUN is where a process must be
# for the container's cgroup to go into D: D itself on v1, D/run on
# pure v2 (runc puts a relative cgroupsPath under the caller's parent)
DELEG=()
delegate() {
	local line ctrls own mnt d name=rt-test-rl-deleg-$$
	while IFS= read -r line; do
		ctrls=${line#*:}
		own=${ctrls#*:}
		ctrls=${ctrls%%:*}
		case $ctrls in name=*) continue ;; esac
		if [ -z "$ctrls" ]; then
			mnt=/sys/fs/cgroup
			cgroup_v2 || mnt=/sys/fs/cgroup/unified
			[ -d "$mnt" ] || continue
			if cgroup_v2; then own=${own%/*}; fi
		else
			mnt=/sys/fs/cgroup/$ctrls
			[ -d "$mnt" ] || continue
		fi
		d=$mnt${own%/}/$name
		mkdir "$d"
		DELEG+=("$d")
		case $ctrls in *cpuset*)
			cat "$d/../cpuset.cpus" > "$d/cpuset.cpus"
			cat "$d/../cpuset.mems" > "$d/cpuset.mems"
			;;
		esac
		if [ -z "$ctrls" ] && cgroup_v2; then
			echo +pids > "$d/../cgroup.subtree_control"
			mkdir "$d/run"
			DELEG+=("$d/run")
		fi
		chown -R "$RL_USER:" "$d"
	done < /proc/self/cgroup
}
# deleg_procs: the cgroup.procs (tasks) files a process joins to be in D
deleg_procs() {
	local d
	for d in "${DELEG[@]}"; do
		[ -d "$d/run" ] && continue
		echo "$d/cgroup.procs"
	done
}
delegate_remove() {
	local i
	for ((i = ${#DELEG[@]} - 1; i >= 0; i--)); do rmdir "${DELEG[$i]}" 2>/dev/null || true; done
	DELEG=()
}

@test "spec --rootless: the caller's ids mapped to root, a user namespace, no network namespace, /sys bound, no resources" {
	run jq -c '[.linux.uidMappings, .linux.gidMappings, [.linux.namespaces[].type], .linux.resources,
		(.mounts[] | select(.destination == "/sys")), [.mounts[].options[]? | select(test("^[ug]id="))]]' config.json
	[ "$status" -eq 0 ]
	local ns='"pid","ipc","uts","mount","user"'
	cgroup_v2 && ns='"pid","ipc","uts","mount","cgroup","user"'
	[ "$output" = "[[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1}],[$ns],null,{\"destination\":\"/sys\",\"type\":\"none\",\"source\":\"/sys\",\"options\":[\"rbind\",\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},[]]" ]
	# Go's bool forms; false is the ordinary spec
	rm config.json
	urunc spec -rootless=false
	[ "$(jq -c .linux.uidMappings config.json)" = null ]
	rm config.json
	run urunc spec --rootless=maybe
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: invalid boolean value "maybe" for -rootless' ]
	[ ! -e config.json ]
}

@test "rootless run: root of a user namespace mapping the caller, state under \$XDG_RUNTIME_DIR/runc, no cgroup where the user may not write" {
	set_args sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; cat /proc/self/cgroup; echo "cgroupfs: $(ls /sys/fs/cgroup | wc -l)"'
	run urunc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	# pure v2: no cgroup of its own to show, the host's tree is masked (runc)
	! cgroup_v2 || [ "${lines[-1]}" = "cgroupfs: 0" ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo "${lines[2]}" | tr -s ' ')" = " 0 $RL_UID 1" ]
	[ "$(echo "${lines[3]}" | tr -s ' ')" = " 0 $RL_GID 1" ]
	# its cgroups are the caller's (runuser's, ours): none was made
	! grep -q "$ID" <<< "$output"
	[ "$(stat -c '%a %U' "$STATE")" = "1700 $RL_USER" ]
	assert_clean
}

@test "rootless create, start, state, list, exec, kill, delete as the user; nothing left behind" {
	set_args sleep 1000
	as_user "$RUNC" create "$ID" < /dev/null > /dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- || {
		cat "$BATS_TEST_TMPDIR/err"
		false
	}
	[ -d "$STATE/$ID" ]
	[ "$(stat -c %U "$STATE/$ID")" = "$RL_USER" ]
	[ "$(urunc state "$ID" | jq -r .status)" = created ]
	urunc start "$ID"
	run urunc list -q
	[ "$output" = "$ID" ]
	pid=$(urunc state "$ID" | jq -r .pid)
	[ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ]
	run urunc exec "$ID" sh -c 'id -u; readlink /proc/1/ns/user'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = "$(readlink "/proc/$pid/ns/user")" ]
	# no cgroup: what needs one says so
	run urunc ps "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-ps: container $ID has no cgroups" ]
	run urunc events --stats "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-events: container $ID has no cgroups" ]
	run urunc update --pids-limit 10 "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-update: container $ID has no cgroups" ]
	run urunc pause "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-pause: container $ID has no freezer cgroup" ]
	urunc kill "$ID" KILL
	for _ in $(seq 50); do
		[ "$(urunc state "$ID" | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	[ "$(urunc state "$ID" | jq -r .status)" = stopped ]
	urunc delete "$ID"
	run urunc list -q
	[ "$output" = "" ]
	! pgrep -u "$RL_USER"
	assert_clean
}

@test "rootless with a limit and no cgroup the user may write: runc's error, nothing left" {
	update_config '.linux.resources = {"pids": {"limit": 100}}'
	set_args true
	run urunc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-cgroup: spec line "*": cgroup.pids.limit: cannot set this limit: rootless container cannot create cgroup "*"/$ID: Permission denied" ]]
	# --rootless false: the cgroup error itself
	run as_user "$RUNC" --rootless false run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mkdir "*"Permission denied"* ]]
	assert_clean
}

@test "rootless with a delegated cgroup subtree: the container's cgroup is made there and its limit applies" {
	delegate
	update_config '.linux.resources = {"pids": {"limit": 42}}'
	set_args sleep 1000
	# as root, into the delegated cgroups (moving out of ours needs root),
	# then the user's runc create from there
	local joins
	joins=$(deleg_procs | tr '\n' ' ')
	sh -c 'for f in '"$joins"'; do echo $$ > "$f" || exit 1; done; exec "$@"' sh \
		runuser -u "$RL_USER" -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$RL_BASE/xdg" "$RUNC" create "$ID" \
		< /dev/null > /dev/null 2> "$BATS_TEST_TMPDIR/err" 3>&- || {
		cat "$BATS_TEST_TMPDIR/err"
		false
	}
	pid=$(urunc state "$ID" | jq -r .pid)
	local d=${DELEG[0]}/$ID
	if cgroup_v2; then d=${DELEG[0]}/$ID; else d=$(grep -o '^/sys/fs/cgroup/pids/.*' < <(printf '%s\n' "${DELEG[@]}"))/$ID; fi
	[ "$(cat "$d/pids.max")" = 42 ]
	[ "$(stat -c %U "$d")" = "$RL_USER" ]
	grep -qx "$pid" "$d/cgroup.procs"
	urunc delete --force "$ID"
	# made by the user, removed with the container
	[ ! -e "$d" ]
	assert_clean
}

@test "rootless with subordinate ids: a wider map through newuidmap/newgidmap; a range not granted is refused by them" {
	update_config ".linux.uidMappings += [{\"containerID\": 1, \"hostID\": $RL_SUBUID, \"size\": 1000}]
		| .linux.gidMappings += [{\"containerID\": 1, \"hostID\": $RL_SUBGID, \"size\": 1000}]"
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; chown 7:7 /tmp/f; stat -c "%u %g" /tmp/f'
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}]
		| .process.args[2] = "touch /tmp/f; " + .process.args[2]
		| .process.capabilities |= map_values(. + ["CAP_CHOWN"])'
	run urunc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[1]}" | tr -s ' ')" = " 1 $RL_SUBUID 1000" ]
	[ "$(echo "${lines[3]}" | tr -s ' ')" = " 1 $RL_SUBGID 1000" ]
	[ "${lines[4]}" = "7 7" ]
	assert_clean
	# a host range the user was not given
	update_config '.linux.uidMappings[1].hostID = 5000'
	run urunc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"newuidmap: "*"5000"*"not allowed"* ]]
	[[ "$output" == *"oci-ns: newuidmap "*" for idmap.uid: failed (exit 1); see its message above"* ]]
	assert_clean
}

@test "rootless: what cannot work without root is refused by name before anything is made" {
	set_args true
	cp config.json config.orig
	update_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run urunc run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: config.json: linux.namespaces: rootless container requires user namespaces" ]
	cp config.orig config.json
	update_config 'del(.linux.gidMappings)'
	run urunc run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: config.json: linux.gidMappings: rootless container requires at least one GID mapping" ]
	cp config.orig config.json
	update_config '.mounts |= map(if .destination == "/dev/pts" then .options += ["gid=5"] else . end)'
	run urunc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-parse: config.json: mounts["*"]: option gid=5: cannot specify gid= mount options for unmapped gid in rootless containers" ]]
	# the systemd driver would need the user's systemd instance
	cp config.orig config.json
	run urunc --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: --systemd-cgroup: not for a non-root caller (no driver for a systemd user instance)" ]
	[ ! -e "$STATE/$ID" ]
	assert_clean
}
