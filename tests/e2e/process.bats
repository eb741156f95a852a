#!/usr/bin/env bats
# Process attributes, applied and read back inside: process.scheduler
# (sched_setattr), process.ioPriority (ioprio_set), linux.personality,
# process.execCPUAffinity (exec only, as runc), linux.sysctl (only the
# namespaced keys runc allows); for run and exec; bad values refused with
# one line naming the field, and nothing left behind.
load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

# the shell's scheduling as its stat says: nice, rt_priority, policy
# (fields 19, 40 and 41), its I/O priority, its machine, its CPUs
SEE='read -r s < /proc/$$/stat; set -- ${s#*) }; echo "nice=${17} rtprio=${38} policy=${39}"; ionice -p $$; uname -m; grep Cpus_allowed_list /proc/$$/status | tr -d "\t"'

# v1 with RT group scheduling gives a new cpu cgroup no realtime budget
rt_budget() {
	cgroup_v2 || [ ! -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] ||
		update_config '.linux.resources.cpu.realtimeRuntime = 10000 | .linux.resources.cpu.realtimePeriod = 1000000'
}

@test "process: scheduler, ioPriority and personality applied to run's process and inherited by exec" {
	rt_budget
	update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}
		| .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 3}
		| .linux.personality = {"domain": "LINUX32"}'
	set_args sh -c "$SEE; sleep 1000"
	# a runtime started on one CPU: the container's process still gets every CPU (runc resets it)
	taskset -c 0 "$RUNC" --root "$STATE" run -d "$ID" < /dev/null > "$BATS_TEST_TMPDIR/out" 2>&1 3>&-
	for _ in $(seq 100); do [ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -ge 4 ] && break; sleep 0.1; done
	run cat "$BATS_TEST_TMPDIR/out"
	echo "$output"
	[ "${lines[0]}" = "nice=0 rtprio=10 policy=1" ]
	[ "${lines[1]}" = "best-effort: prio 3" ]
	[ "${lines[2]}" = i686 ]
	[ "${lines[3]}" = "Cpus_allowed_list:0-$(($(nproc) - 1))" ]
	# exec without its own settings: the container's scheduler, I/O priority and personality
	run runc exec "$ID" sh -c "$SEE"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nice=0 rtprio=10 policy=1" ]
	[ "${lines[1]}" = "best-effort: prio 3" ]
	[ "${lines[2]}" = i686 ]
	runc delete --force "$ID"
	assert_clean
}

@test "process: exec's own scheduler, ioPriority and execCPUAffinity (initial, final) win" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	jq '.process | .args = ["sh", "-c", $see]
		| .scheduler = {"policy": "SCHED_BATCH", "nice": 7}
		| .ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
		| .execCPUAffinity = {"initial": "0", "final": "1"}' --arg see "$SEE" config.json > proc.json
	run runc exec -p proc.json "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "nice=7 rtprio=0 policy=3" ]
	[ "${lines[1]}" = "idle" ]
	[ "${lines[2]}" = x86_64 ]
	[ "${lines[3]}" = "Cpus_allowed_list:1" ]
	# initial only: nothing is set after the cgroup join (runc), so the
	# list stays where the kernel keeps a requested affinity across a
	# cpuset attach (6.2+); an older one resets it to the cgroup's CPUs
	jq '.execCPUAffinity = {"initial": "1"}' proc.json > p2.json
	run runc exec -p p2.json "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	IFS=. read -r major minor _ < /proc/sys/kernel/osrelease
	if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 2 ]; }; then
		[ "${lines[3]}" = "Cpus_allowed_list:1" ]
	else
		[ "${lines[3]}" = "Cpus_allowed_list:0-$(($(nproc) - 1))" ]
	fi
	# none: every CPU, whatever the caller's
	jq 'del(.execCPUAffinity)' proc.json > p3.json
	run taskset -c 0 "$RUNC" --root "$STATE" exec -p p3.json "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "Cpus_allowed_list:0-$(($(nproc) - 1))" ]
	runc delete --force "$ID"
	assert_clean
}

@test "process: bad scheduler, ioPriority, execCPUAffinity and personality values are refused naming the field; personality flags warned" {
	set_args true
	check() { # JQ LINE: the config edited by JQ fails with LINE, leaving nothing
		update_config "$1"
		run runc run "$ID"
		echo "$output"
		[ "$status" -eq 1 ]
		[ "$output" = "$2" ]
		assert_clean
		update_config 'del(.process.scheduler, .process.ioPriority, .process.execCPUAffinity, .linux.personality)'
	}
	check '.process.scheduler = {"policy": "SCHED_FAST"}' \
		'oci-parse: config.json: process.scheduler.policy: unknown policy SCHED_FAST'
	check '.process.scheduler = {"nice": 1}' 'oci-parse: config.json: process.scheduler.policy: missing'
	check '.process.scheduler = {"policy": "SCHED_ISO"}' \
		'oci-parse: config.json: process.scheduler.policy: SCHED_ISO is not implemented by Linux'
	check '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 20}' \
		'oci-parse: config.json: process.scheduler.nice: 20 is out of range for SCHED_OTHER (-20 to 19)'
	check '.process.scheduler = {"policy": "SCHED_OTHER", "priority": 5}' \
		'oci-parse: config.json: process.scheduler.priority: only for SCHED_FIFO and SCHED_RR'
	check '.process.scheduler = {"policy": "SCHED_RR", "priority": 100}' \
		'oci-parse: config.json: process.scheduler.priority: 100 is out of range for SCHED_RR (1 to 99)'
	check '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 1, "runtime": 5}' \
		'oci-parse: config.json: process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE'
	check '.process.scheduler = {"policy": "SCHED_IDLE", "flags": ["SCHED_FLAG_FAST"]}' \
		'oci-parse: config.json: process.scheduler.flags[0]: unknown flag SCHED_FLAG_FAST'
	check '.process.ioPriority = {"class": "IOPRIO_CLASS_BEST", "priority": 1}' \
		'oci-parse: config.json: process.ioPriority.class: unknown class IOPRIO_CLASS_BEST'
	check '.process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 8}' \
		'oci-parse: config.json: process.ioPriority.priority: 8 is out of range (0 to 7)'
	check '.process.execCPUAffinity = {"initial": "3-1"}' \
		'oci-parse: config.json: process.execCPUAffinity.initial: bad CPU list "3-1"'
	check '.linux.personality = {"domain": "LINUX64"}' \
		'oci-parse: config.json: linux.personality.domain: unknown domain LINUX64 (LINUX or LINUX32)'
	# flags: runtime-spec defines none; runc ignores them with a warning, and so do we, aloud
	update_config '.linux.personality = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}'
	set_args uname -m
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "oci-parse: warning: linux.personality.flags: ignoring unsupported personality flag ADDR_NO_RANDOMIZE" ]
	[ "${lines[1]}" = i686 ]
	assert_clean
}

@test "process: a scheduler the kernel refuses fails the run with the kernel's reason" {
	# SCHED_DEADLINE with a runtime above its deadline: sched_setattr says EINVAL
	update_config '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 2000000, "deadline": 1000000, "period": 1000000}'
	set_args true
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-exec: error setting scheduler: invalid argument" ]
	assert_clean
}

@test "process: namespaced sysctls are set; others are refused before anything is made" {
	update_config '.linux.sysctl = {"kernel.shmmax": "12345678", "net.ipv4.ip_forward": "1", "kernel.domainname": "d.example"}'
	set_args sh -c 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 12345678 ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = d.example ]
	# the host's values are untouched
	[ "$(cat /proc/sys/kernel/shmmax)" != 12345678 ]
	update_config '.linux.sysctl = {"kernel.core_pattern": "|/tmp/x"}'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sysctl kernel.core_pattern is not in a separate kernel namespace"* ]]
	[ "${#lines[@]}" -eq 1 ]
	assert_clean
	# net.* without a network namespace of the container's own
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
	run runc run "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sysctl net.ipv4.ip_forward not allowed in the host's network namespace"* ]]
	assert_clean
}
