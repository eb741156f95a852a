#!/usr/bin/env bats
# Hostile containers: the container's process must not reach the caller's
# terminal (a new session, as runc's setsid, whatever process.terminal
# says), the host console (c 5:1 is not in the default device list), nor
# a fully visible host procfs after --no-pivot (runc's msMoveRoot).
load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

# the shell's session and controlling tty (fields 6 and 7 of its stat),
# then TIOCSTI on its stdin: "tiocsti ok" would mean the container typed
# into the caller's terminal (lxc CVE-2016-10124, bubblewrap CVE-2017-5226)
SESS='read -r _ _ _ _ _ sid tty _ < /proc/$$/stat; echo "sid=$sid tty=$tty"; probe tiocsti'

# the container's lines with script(1)'s carriage returns dropped
pty_run() {
	run script -qec "$*" /dev/null
	output=$(printf '%s' "$output" | tr -d '\r')
	mapfile -t lines <<< "$output"
}

@test "hostile: run with terminal false on a caller's pty: a new session, TIOCSTI refused" {
	set_args sh -c "$SESS"
	pty_run "'$RUNC' --root '$STATE' run '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	# pid 1 of its pid namespace leads its own session, without a terminal
	[ "${lines[0]}" = "sid=1 tty=0" ]
	[[ "${lines[1]}" == "tiocsti "* ]]
	[ "${lines[1]}" != "tiocsti ok" ]
	assert_clean
}

@test "hostile: exec and create+start put the process in a new session" {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	init=$(runc state "$ID" | jq -r .pid)
	# the init leads its own session (runc's setsid in create mode too)
	[ "$(awk '{ print $6 }' "/proc/$init/stat")" = "$init" ]
	pty_run "'$RUNC' --root '$STATE' exec '$ID' sh -c '$SESS'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^sid=([0-9]+)\ tty=0$ ]]
	[ "${BASH_REMATCH[1]}" != 0 ]
	[[ "${lines[1]}" == "tiocsti "* ]]
	[ "${lines[1]}" != "tiocsti ok" ]
	runc delete --force "$ID"
	assert_clean
}

@test "hostile: with CAP_MKNOD the host console c 5:1 can be made but not opened" {
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	# dd runs as a child: the init, a session leader, must not take a tty as its terminal
	set_args sh -c 'mknod /dev/hc c 5 1 && echo made; dd if=/dev/hc of=/dev/null count=0 2>&1; echo "rc=$?"; mknod /dev/nl c 1 3 && dd if=/dev/nl of=/dev/null count=0 2>/dev/null; echo "null rc=$?"'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = made ]
	[[ "$output" == *"/dev/hc'"*"Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	# the filter is in force, not mknod broken: a listed node opens
	[ "${lines[-1]}" = "null rc=0" ]
	assert_clean
}

@test "hostile: --no-pivot leaves no full procfs or sysfs for a nested user namespace to mount" {
	# runc's own test: a new user, mount and pid namespace inside the
	# container may mount proc only where a full proc is visible
	update_config '.process.capabilities.bounding += ["CAP_SETFCAP"]
		| .process.capabilities.permitted += ["CAP_SETFCAP"]'
	set_args unshare -mrpf sh -c 'mount -t proc none /proc && echo proc mounted; mount -t sysfs none /sys && echo sys mounted; echo done'
	run runc run --no-pivot "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = done ]
	[[ "$output" != *"proc mounted"* ]]
	[[ "$output" != *"sys mounted"* ]]
	[[ "$output" == *"mount: permission denied"* ]]
	# the host's /proc and /sys are untouched
	grep -q ' /proc proc ' /proc/self/mounts
	grep -q ' /sys sysfs ' /proc/self/mounts
	assert_clean
}
