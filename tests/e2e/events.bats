#!/usr/bin/env bats
# events: runc's JSON lines; --stats once, stats every --interval, an oom
# event when the container hits its memory limit, and the end when the
# container exits

load helpers

setup() {
	setup_bundle
}

teardown() {
	if [ -n "${EV:-}" ]; then kill "$EV" 2>/dev/null; wait "$EV" 2>/dev/null; fi
	if [ -n "${FAKEPID:-}" ]; then kill "$FAKEPID" 2>/dev/null; wait "$FAKEPID" 2>/dev/null; fi
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

@test "events --stats: one stats line in runc's shape, with the container's limits" {
	set_args sh -c 'sleep 1000 & sleep 1000; wait'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	runc update --memory 64m --pids-limit 50 "$ID"
	for _ in $(seq 50); do [ "$(runc ps --format json "$ID" | jq length)" -eq 3 ] && break; sleep 0.1; done
	run runc events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	local j=$output
	[ "$(jq -r .type <<< "$j")" = stats ]
	[ "$(jq -r .id <<< "$j")" = "$ID" ]
	[ "$(jq -c '.data | keys_unsorted' <<< "$j")" = '["cpu","cpuset","memory","pids","blkio","hugetlb","intel_rdt","network_interfaces"]' ]
	[ "$(jq -c '.data.cpuset.cpus' <<< "$j")" = "$(seq -s, 0 $(($(nproc) - 1)) | sed 's/.*/[&]/')" ]
	jq -e '.data.cpuset | has("mems") and has("cpu_exclusive") and has("sched_relax_domain_level")' <<< "$j"
	jq -e '.data.cpu.usage.total > 0' <<< "$j"
	jq -e '.data.cpu.usage.percpu | length == '"$(nproc)" <<< "$j"
	jq -e '.data.cpu.usage | has("kernel") and has("user")' <<< "$j"
	jq -e '.data.cpu | has("throttling")' <<< "$j"
	[ "$(jq .data.memory.usage.limit <<< "$j")" = 67108864 ]
	jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.max > 0' <<< "$j"
	jq -e '.data.memory.usage | has("failcnt")' <<< "$j"
	jq -e '.data.memory | has("swap") and has("kernel") and has("kernelTCP") and has("cache")' <<< "$j"
	[ "$(jq .data.memory.raw.hierarchical_memory_limit <<< "$j")" = 67108864 ]
	[ "$(jq .data.pids.current <<< "$j")" = 3 ]
	[ "$(jq .data.pids.limit <<< "$j")" = 50 ]
	jq -e '.data.blkio | type == "object"' <<< "$j"
	jq -e '.data.hugetlb | type == "object"' <<< "$j"
	# the usage matches the cgroup's own file
	local u
	u=$(cat "$(own_cgroup_dir memory)/memory.limit_in_bytes")
	[ "$(jq .data.memory.usage.limit <<< "$j")" = "$u" ]
}

@test "events --interval: stats lines until the container exits, then it ends" {
	set_args sh -c 'sleep 1.2'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	run timeout 10 "$RUNC" --root "$STATE" events --interval 200ms "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 2 ]
	[ "${#lines[@]}" -le 7 ]
	for l in "${lines[@]}"; do
		[ "$(jq -r '.type + " " + .id' <<< "$l")" = "stats $ID" ]
	done
	run runc events --stats "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-events: container with id $ID is not running" ]
	runc delete "$ID"
	assert_clean
}

@test "events: an oom event when the container hits its memory limit" {
	update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	set_args sh -c 'sleep 1; x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
	create "$ID"
	[ "$status" -eq 0 ]
	"$RUNC" --root "$STATE" events --interval 1h "$ID" > "$BATS_TEST_TMPDIR/ev" 3>&- &
	EV=$!
	# registered: the eventfd is open
	for _ in $(seq 50); do ls -l "/proc/$EV/fd" 2>/dev/null | grep -q eventfd && break; sleep 0.1; done
	ls -l "/proc/$EV/fd" | grep -q eventfd
	runc start "$ID"
	for _ in $(seq 100); do grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/ev" && break; sleep 0.1; done
	grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$BATS_TEST_TMPDIR/ev"
	# no stats yet: the first comes after one interval, as with runc
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/ev")" -eq 0 ]
	# the container was killed for it, and events ended with it
	for _ in $(seq 50); do kill -0 "$EV" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$EV" 2>/dev/null
	wait "$EV"
	EV=
	[ "$(runc state "$ID" | jq -r .status)" = stopped ]
	[ "$(awk '$1 == "oom_kill" { print $2 }' "$(own_cgroup_dir memory)/memory.oom_control")" -ge 1 ]
}

@test "events: bad interval, missing container, 2015 form" {
	run runc events --interval 5x "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-events: invalid --interval value: 5x" ]
	run runc events --interval 0s "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-events: duration interval must be greater than 0" ]
	run runc events --stats "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-events: container $ID does not exist" ]
	set_args sleep 1000
	create "$ID"
	runc start "$ID"
	run "$RUNC" --root "$STATE" --id "$ID" events --stats
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<< "$output")" = "$ID" ]
	run runc events --stats=true "$ID"
	[ "$status" -eq 1 ]
}

# a hand-made state dir whose cgroup is a plain directory standing in for
# a pure cgroup v2 one, its init a sleep of ours
fake_v2() {
	CG=$BATS_TEST_TMPDIR/cg/c1
	mkdir -p "$CG" "$STATE/$ID"
	sleep 1000 3>&- &
	FAKEPID=$!
	local start
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$FAKEPID/stat")
	printf 'ocispec 1\nstate.dir %s\ncgroup.dir unified %s new\n' "$STATE/$ID" "$CG" > "$STATE/$ID/spec"
	printf '{"ociVersion":"1.2.0","id":"%s","pid":%d,"status":"running","bundle":"/","rootfs":"/","created":"2026-01-01T00:00:00.000000000Z","owner":"","init_start_time":%s}\n' \
		"$ID" "$FAKEPID" "$start" > "$STATE/$ID/state.json"
	printf 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n' > "$CG/cpu.stat"
	echo 4096000 > "$CG/memory.current"
	echo 8192000 > "$CG/memory.max"
	echo 1000000 > "$CG/memory.swap.max"
	echo 1000 > "$CG/memory.swap.current"
	echo 0-2,5 > "$CG/cpuset.cpus.effective"
	echo 0 > "$CG/cpuset.mems.effective"
	printf 'anon 100\nfile 200\n' > "$CG/memory.stat"
	printf 'low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n' > "$CG/memory.events"
	echo 4 > "$CG/pids.current"
	echo 64 > "$CG/pids.max"
	echo '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0' > "$CG/io.stat"
	local hp
	for hp in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[ "$hp" = "/sys/kernel/mm/hugepages/hugepages-2048kB" ] || continue
		echo 2097152 > "$CG/hugetlb.2MB.current"
		echo 'max 5' > "$CG/hugetlb.2MB.events"
	done
}

@test "events on a fake cgroup v2 tree: v2 stats files, and memory.events' oom_kill as oom events" {
	requires_root
	fake_v2
	run runc events --stats "$ID"
	[ "$status" -eq 0 ]
	local j=$output
	[ "$(jq -c .data.cpu <<< "$j")" = '{"usage":{"total":1500000,"kernel":500000,"user":1000000},"throttling":{"periods":7,"throttledPeriods":2,"throttledTime":30000}}' ]
	[ "$(jq -c .data.memory.usage <<< "$j")" = '{"limit":8192000,"usage":4096000,"failcnt":3}' ]
	[ "$(jq .data.memory.cache <<< "$j")" = 200 ]
	# as runc: v2's swap plus memory, as v1's memsw
	[ "$(jq -c .data.memory.swap <<< "$j")" = '{"limit":9192000,"usage":4097000,"failcnt":0}' ]
	[ "$(jq -c .data.cpuset <<< "$j")" = '{"cpus":[0,1,2,5],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0}' ]
	[ "$(jq -c .data.memory.raw <<< "$j")" = '{"anon":100,"file":200}' ]
	[ "$(jq -c .data.pids <<< "$j")" = '{"current":4,"limit":64}' ]
	[ "$(jq -c .data.blkio <<< "$j")" = '{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":4096},{"major":8,"op":"Write","value":8192}],"ioServicedRecursive":[{"major":8,"op":"Read","value":1},{"major":8,"op":"Write","value":2}]}' ]
	if [ -e "$CG/hugetlb.2MB.current" ]; then
		[ "$(jq -c '.data.hugetlb["2MB"]' <<< "$j")" = '{"usage":2097152,"failcnt":5}' ]
	fi
	"$RUNC" --root "$STATE" events --interval 1h "$ID" > "$BATS_TEST_TMPDIR/ev" 3>&- &
	EV=$!
	for _ in $(seq 50); do ls -l "/proc/$EV/fd" 2>/dev/null | grep -q inotify && break; sleep 0.1; done
	ls -l "/proc/$EV/fd" | grep -q inotify
	printf 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n' > "$CG/memory.events"
	for _ in $(seq 50); do grep -q oom "$BATS_TEST_TMPDIR/ev" && break; sleep 0.1; done
	[ "$(grep -c '"type":"oom"' "$BATS_TEST_TMPDIR/ev")" -eq 1 ]
	grep -qx "{\"type\":\"oom\",\"id\":\"$ID\"}" "$BATS_TEST_TMPDIR/ev"
	# the init exits: events ends
	kill "$FAKEPID"
	wait "$FAKEPID" || true
	FAKEPID=
	for _ in $(seq 50); do kill -0 "$EV" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$EV" 2>/dev/null
	wait "$EV"
	EV=
}

@test "events: runc events is the oci-events process itself, so a client's signal stops it" {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	"$RUNC" --root "$STATE" events --interval 1h "$ID" > /dev/null 3>&- &
	EV=$!
	for _ in $(seq 50); do [ "$(cat "/proc/$EV/comm" 2>/dev/null)" = oci-events ] && break; sleep 0.1; done
	[ "$(cat "/proc/$EV/comm")" = oci-events ]
	kill "$EV"
	wait "$EV" || true
	EV=
	! pgrep -f "oci-events --setup-exit=1 --root=$STATE " >/dev/null
	[ "$(runc state "$ID" | jq -r .status)" = running ]
}
