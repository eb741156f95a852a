#!/usr/bin/env bats
# runc --systemd-cgroup: the container's cgroup is a transient systemd
# scope made over D-Bus. The tests with systemd need it as PID 1 and a pure
# cgroup v2 host: the make test-v2 guest's systemd boot
# (GUEST_SYSTEMD=1 tests/guest/run bats tests/e2e/systemd.bats). Their
# twins without systemd (a clear error, nothing left) run everywhere else.

load helpers

setup() {
	setup_bundle
	UNIT=rt-test-$$-$BATS_TEST_NUMBER.scope
	SLICES=
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	# a test's own slices: systemd keeps them until they are stopped
	local s
	for s in $SLICES; do systemctl stop "$s" >/dev/null 2>&1; done
	teardown_bundle
}

requires_systemd() {
	requires_cgroup_v2
	[ -d /run/systemd/system ] && [ "$(cat /proc/1/comm)" = systemd ] ||
		skip "needs systemd as init (GUEST_SYSTEMD=1 tests/guest/run bats tests/e2e/systemd.bats)"
}

# prop UNIT NAME: a unit property as systemctl shows it
prop() {
	systemctl show -p "$2" --value "$1"
}

# the unit is gone: not loaded, its cgroup removed
unit_gone() {
	local u=$1 dir=$2 _ s
	# systemd forgets a stopped transient unit on its next turn
	for _ in $(seq 20); do
		s=$(prop "$u" LoadState)
		[ "$s" = not-found ] && break
		sleep 0.1
	done
	[ "$s" = not-found ] || { echo "unit $u still $s"; return 1; }
	[ ! -e "/sys/fs/cgroup$dir" ] || { echo "cgroup $dir left"; return 1; }
}

@test "systemd: a scope with runc's properties holds the container; delete removes it" {
	requires_systemd
	update_config ".linux.cgroupsPath = \"system.slice:rt-test-$$:$BATS_TEST_NUMBER\"
		| .linux.resources.memory = {limit: 67108864}
		| .linux.resources.pids = {limit: 20}
		| .linux.resources.cpu = {quota: 50000, period: 100000, shares: 1024}"
	set_args sleep 100
	runc --systemd-cgroup create "$ID" < /dev/null > /dev/null 2> "$BATS_TEST_TMPDIR/create.err"
	cat "$BATS_TEST_TMPDIR/create.err"
	pid=$(runc state "$ID" | jq .pid)
	dir=/system.slice/$UNIT
	# one systemctl call (each costs seconds in the guest)
	props=$(systemctl show -p ActiveState,Slice,ControlGroup,Description,Delegate,DefaultDependencies \
		-p MemoryAccounting,CPUAccounting,IOAccounting,TasksAccounting \
		-p MemoryMax,TasksMax,CPUQuotaPerSecUSec,CPUQuotaPeriodUSec,CPUWeight "$UNIT")
	echo "$props"
	for want in ActiveState=active Slice=system.slice "ControlGroup=$dir" \
		"Description=libcontainer container $BATS_TEST_NUMBER" Delegate=yes DefaultDependencies=no \
		MemoryAccounting=yes CPUAccounting=yes IOAccounting=yes TasksAccounting=yes \
		MemoryMax=67108864 TasksMax=20 CPUQuotaPerSecUSec=500ms CPUQuotaPeriodUSec=100ms CPUWeight=100; do
		# the resources as properties, converted as runc converts them
		grep -qx "$want" <<< "$props" || { echo "no $want"; return 1; }
	done
	# and in the files
	[ "$(cat "/sys/fs/cgroup$dir/memory.max")" = 67108864 ]
	[ "$(cat "/sys/fs/cgroup$dir/pids.max")" = 20 ]
	[ "$(cat "/sys/fs/cgroup$dir/cpu.max")" = "50000 100000" ]
	[ "$(cat "/sys/fs/cgroup$dir/cpu.weight")" = 100 ]
	# the init is in the scope, alone: the holder is gone
	grep -qx "0::$dir" "/proc/$pid/cgroup"
	[ "$(cat "/sys/fs/cgroup$dir/cgroup.procs")" = "$pid" ]
	# the state records the unit for delete
	grep -q "^cgroup.systemd $UNIT\$" "$STATE/$ID/spec"
	runc delete --force "$ID"
	unit_gone "$UNIT" "$dir"
	assert_clean
}

@test "systemd: exec joins the scope; kill and ps see the container" {
	requires_systemd
	update_config ".linux.cgroupsPath = \"system.slice:rt-test-$$:$BATS_TEST_NUMBER\""
	set_args sleep 100
	runc --systemd-cgroup create "$ID" < /dev/null > /dev/null 2>&1
	runc start "$ID"
	run runc exec "$ID" sh -c 'cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	# "0::/" inside a cgroup namespace rooted at the scope, the scope's path without one
	[ "$output" = "0::/" ] || [ "$output" = "0::/system.slice/$UNIT" ]
	run runc ps "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *sleep* ]]
	runc kill "$ID" KILL
	for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	[ "$(runc state "$ID" | jq -r .status)" = stopped ]
	runc delete "$ID"
	unit_gone "$UNIT" "/system.slice/$UNIT"
	assert_clean
}

@test "systemd: run with an empty cgroupsPath makes runc-ID.scope in system.slice" {
	requires_systemd
	update_config 'del(.linux.cgroupsPath)'
	set_args sh -c 'cat /proc/self/cgroup; echo ready; sleep 100'
	start_bg --systemd-cgroup run "$ID"
	u=runc-$ID.scope
	[ "$(systemctl show -p ActiveState,ControlGroup "$u" | sort | tr '\n' ' ')" = "ActiveState=active ControlGroup=/system.slice/$u " ]
	runc kill "$ID" KILL
	wait "$BG" || true
	unit_gone "$u" "/system.slice/$u"
	assert_clean
}

@test "systemd: a dashed slice nests (a-b.slice in a.slice) and a unit run to its end goes" {
	requires_systemd
	top=rt$$t$BATS_TEST_NUMBER
	SLICES="$top.slice"
	update_config ".linux.cgroupsPath = \"$top-sub.slice:rt-test-$$:$BATS_TEST_NUMBER\""
	set_args sh -c 'cat /proc/self/cgroup'
	run runc --systemd-cgroup run "$ID"
	[ "$status" -eq 0 ]
	# the container's process was in the scope (or at the root of its cgroup namespace)
	[[ "$output" == "0::/$top.slice/$top-sub.slice/$UNIT" ]] || [ "$output" = "0::/" ]
	[ "$(prop "$top-sub.slice" ControlGroup)" = "/$top.slice/$top-sub.slice" ]
	unit_gone "$UNIT" "/$top.slice/$top-sub.slice/$UNIT"
	assert_clean
}

@test "systemd: a bad slice fails clearly and leaves nothing" {
	requires_systemd
	update_config ".linux.cgroupsPath = \"bad:rt-test-$$:$BATS_TEST_NUMBER\""
	run runc --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.cgroupsPath: invalid slice name: bad"* ]]
	[ "$(prop "$UNIT" LoadState)" = not-found ]
	assert_clean
}

@test "systemd: a unit systemd refuses fails clearly and leaves nothing" {
	requires_systemd
	# a blank is no character of a unit name: systemd says so, after the holder started
	update_config ".linux.cgroupsPath = \"system.slice:rt-test-$$:$BATS_TEST_NUMBER x\""
	run runc --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"oci-cgroup: create systemd unit rt-test-$$-$BATS_TEST_NUMBER x.scope: org.freedesktop.DBus.Error.InvalidArgs"* ]]
	[ "$(prop "rt-test-$$-$BATS_TEST_NUMBER x.scope" LoadState)" != loaded ]
	! ps -eo comm | grep -qx oci-cgroup-hold
	assert_clean
}

@test "systemd: a cgroupsPath not slice:prefix:name fails with runc's message" {
	# checked before systemd is asked: runs wherever systemd does
	requires_systemd
	update_config '.linux.cgroupsPath = "/just/a/path"'
	run runc --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/just/a/path" instead'* ]]
	assert_clean
}

@test "systemd: without systemd as init --systemd-cgroup fails clearly and leaves nothing" {
	# the twin of the tests above: hosts without systemd (this sandbox, the plain guest)
	! [ -d /run/systemd/system ] || skip "systemd is running here"
	update_config ".linux.cgroupsPath = \"system.slice:rt-test-$$:$BATS_TEST_NUMBER\""
	run runc --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)"* ]]
	assert_clean
}

@test "systemd: the driver refuses a cgroup v1 or hybrid host before asking systemd" {
	requires_root
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/cg/memory" "$T/cg/unified"
	printf '5:memory:/\n0::/\n' > "$T/self"
	printf 'ocispec 1\ncgroup.driver systemd\ncgroup.unit system.slice x-1.scope 1\ncgroup.path /system.slice/x-1.scope\n' > "$T/spec"
	for layout in v1 hybrid; do
		run "$ROOT/bin/oci-cgroup" -r "$T/cg" -t "$layout" -s "$T/self" true 3< "$T/spec"
		[ "$status" -eq 100 ]
		[[ "$output" == "oci-cgroup: systemd cgroup driver: $T/cg is not a cgroup v2 hierarchy (a cgroup v1 or hybrid host); --systemd-cgroup needs cgroup v2" ]]
	done
	# nothing made in the fake tree
	[ -z "$(find "$T/cg" -mindepth 2)" ]
	# and a cgroup.path that is not the unit's cgroup
	printf 'ocispec 1\ncgroup.driver systemd\ncgroup.unit system.slice x-1.scope 1\ncgroup.path /elsewhere\n' > "$T/spec"
	run "$ROOT/bin/oci-cgroup" -r "$T/cg/unified" -t v2 -s "$T/self" true 3< "$T/spec"
	[ "$status" -eq 100 ]
	[[ "$output" == *"cgroup.path /elsewhere is not the cgroup of unit x-1.scope (/system.slice/x-1.scope)"* ]]
}
