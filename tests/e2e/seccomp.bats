#!/usr/bin/env bats
# seccomp: every action, the argument operators, unknown names, the ENOSYS
# rule for syscalls newer than the profile, the startContainer hooks under
# the filter, the notify listener (run and exec) and podman's profile.

load helpers

FX=$ROOT/build/fixtures

setup() {
	setup_bundle
	mkdir -p "$BATS_TEST_TMPDIR/shared"
	update_config ".mounts += [{\"destination\": \"/fx\", \"type\": \"bind\", \"source\": \"$FX\", \"options\": [\"bind\", \"ro\"]},
		{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/shared\", \"options\": [\"bind\"]}]"
}

teardown() {
	# an agent that outlived its test (it exits by itself once its listeners hung up)
	[ -z "${AGENT:-}" ] || kill "$AGENT" 2>/dev/null || true
	teardown_bundle
}

# what the static helpers need after the filter is loaded (nnp true: just
# before the execve) to start and make one call
BASE='"execve","brk","arch_prctl","set_tid_address","set_robust_list","rseq","prlimit64","mprotect","readlink","getrandom","newfstatat","write","exit_group","rt_sigprocmask","rt_sigaction","close","read","prctl","sendmsg","recvmsg"'

@test "seccomp: startContainer hooks run with the filter loaded, noNewPrivileges true and false" {
	for nnp in true false; do
		rm -f "$BATS_TEST_TMPDIR/shared/h"
		update_config ".process.noNewPrivileges = $nnp | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 28}]}
			| .hooks.startContainer = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"grep Seccomp: /proc/self/status > /shared/h; mkdir /shared/d 2>> /shared/h; true\"]}]"
		set_args true
		run runc run "$ID-$nnp"
		[ "$status" -eq 0 ]
		run cat "$BATS_TEST_TMPDIR/shared/h"
		[[ "${lines[0]}" =~ Seccomp:.2 ]] || { echo "nnp $nnp: $output"; return 1; }
		[[ "${lines[1]}" == *"No space left on device"* ]]
		[ ! -e "$BATS_TEST_TMPDIR/shared/d" ]
		[ ! -e "$STATE/$ID-$nnp" ]
	done
}

@test "seccomp: syscalls newer than every one the profile names fail with ENOSYS (clone3, 1000)" {
	update_config ".process.noNewPrivileges = true | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [$BASE], \"action\": \"SCMP_ACT_ALLOW\"}]}"
	set_args /fx/sysc 435 # clone3: newer than rseq (334), the newest named
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "errno 38" ]
	set_args /fx/sysc 1000 # no such syscall
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "errno 38" ]
	set_args /fx/sysc 39 # getpid: older than the newest named, not allowed: the default
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "errno 1" ]
	# a profile that names a newer syscall (openat2, 437) keeps the default for clone3
	update_config ".linux.seccomp.syscalls += [{\"names\": [\"openat2\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5}]"
	set_args /fx/sysc 435
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "errno 1" ]
	# defaultErrnoRet is the errno of the default
	update_config ".linux.seccomp.defaultErrnoRet = 13"
	set_args /fx/sysc 39
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "errno 13" ]
	assert_clean
}

# agent ERRNO N: the test's notify agent on $SOCK, its log in $ALOG, pid $AGENT
agent() {
	SOCK=$BATS_TEST_TMPDIR/agent.sock
	ALOG=$BATS_TEST_TMPDIR/agent.log
	rm -f "$SOCK" "$ALOG"
	"$FX/seccomp-agent" "$SOCK" "$ALOG" "$1" "$2" 3>&- &
	AGENT=$!
	local _
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	echo "the agent never listened"
	return 1
}

# agent_done: the agent exited 0 once every listener hung up
agent_done() {
	local _
	for _ in $(seq 100); do
		kill -0 "$AGENT" 2>/dev/null || break
		sleep 0.05
	done
	wait "$AGENT"
	AGENT=
}

notify_config() { # NNP META
	update_config ".process.noNewPrivileges = $1 | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"listenerPath\": \"$SOCK\", \"listenerMetadata\": \"$2\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
}

@test "seccomp notify: run sends the listener fd and the state to listenerPath, noNewPrivileges true and false" {
	for nnp in true false; do
		# the agent answers ENOMEDIUM (123) with nnp false, success (without a directory) with nnp true
		if [ $nnp = true ]; then err=0; else err=123; fi
		agent $err 1
		notify_config $nnp "meta $nnp"
		# the listener's wait killable (kernel 5.19+): accepted and applied with nnp false
		[ $nnp = true ] || update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]'
		set_args sh -c 'mkdir /shared/d && echo made; ls /shared'
		run runc run --pid-file "$BATS_TEST_TMPDIR/pid" "$ID-$nnp"
		if [ $nnp = true ]; then
			[ "$status" -eq 0 ]
			[ "$output" = made ]
		else
			[ "$status" -eq 0 ]
			[[ "$output" == *"No medium found"* ]]
		fi
		[ ! -e "$BATS_TEST_TMPDIR/shared/d" ]
		agent_done
		st=$(sed -n 's/^state //p' "$ALOG")
		[ "$(jq -c .fds <<< "$st")" = '["seccompFd"]' ]
		[ "$(jq -r .pid <<< "$st")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
		[ "$(jq -r .metadata <<< "$st")" = "meta $nnp" ]
		[ "$(jq -r .ociVersion <<< "$st")" = 1.2.0 ]
		[ "$(jq -r .state.id <<< "$st")" = "$ID-$nnp" ]
		[ "$(jq -r .state.status <<< "$st")" = creating ]
		[ "$(jq -r .state.pid <<< "$st")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
		[ "$(jq -r .state.bundle <<< "$st")" = "$BUNDLE" ]
		grep -Eq '^call (83|258)$' "$ALOG"
		[ ! -e "$STATE/$ID-$nnp" ]
	done
}

@test "seccomp notify: exec gets its own listener, sent with the exec process's pid, noNewPrivileges false and true" {
	agent 0 3
	notify_config false m
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	init=$(runc state "$ID" | jq -r .pid)
	run runc exec --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID" sh -c 'mkdir /shared/e && echo made'
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	run runc exec --no-new-privs --pid-file "$BATS_TEST_TMPDIR/xpid2" "$ID" sh -c 'mkdir /shared/e && grep NoNewPrivs /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" =~ NoNewPrivs:.1 ]]
	[ ! -e "$BATS_TEST_TMPDIR/shared/e" ]
	runc delete --force "$ID"
	agent_done
	[ "$(grep -c '^state ' "$ALOG")" -eq 3 ]
	for n in 2 3; do
		st=$(sed -n 's/^state //p' "$ALOG" | sed -n ${n}p)
		[ "$(jq -r .pid <<< "$st")" = "$(cat "$BATS_TEST_TMPDIR/xpid$([ $n = 2 ] || echo 2)")" ]
		[ "$(jq -r .state.pid <<< "$st")" = "$init" ]
		[ "$(jq -r .state.status <<< "$st")" = running ]
		[ "$(jq -r .state.id <<< "$st")" = "$ID" ]
	done
	[ "$(grep -cE '^call (83|258)$' "$ALOG")" -eq 2 ]
	assert_clean
}

@test "seccomp notify: refused as the default action, on write and sendmsg, and without listenerPath" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x.sock"}'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used as default action"* ]]
	for sc in write sendmsg; do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x.sock\", \"syscalls\": [{\"names\": [\"$sc\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
		run runc run "$ID"
		[ "$status" -eq 1 ]
		[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used for the $sc syscall"* ]]
	done
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"* ]]
	# a listener that is not there: the run fails, naming it, and leaves nothing
	update_config ".linux.seccomp.listenerPath = \"$BATS_TEST_TMPDIR/none.sock\""
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/none.sock"* ]]
	assert_clean
}

@test "seccomp: every action: KILL, KILL_PROCESS, KILL_THREAD and TRAP end the process with SIGSYS; ERRNO, TRACE, LOG, ALLOW" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getpid"], "action": "SCMP_ACT_KILL"},
		{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"},
		{"names": ["getpgrp"], "action": "SCMP_ACT_KILL_THREAD"},
		{"names": ["getuid"], "action": "SCMP_ACT_TRAP"},
		{"names": ["getgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7},
		{"names": ["geteuid"], "action": "SCMP_ACT_TRACE", "errnoRet": 9},
		{"names": ["getegid"], "action": "SCMP_ACT_LOG"},
		{"names": ["gettid"], "action": "SCMP_ACT_ALLOW"}]}'
	for nr in 39 110 111 102; do # getpid getppid getpgrp getuid
		set_args /fx/sysc $nr
		run runc run "$ID"
		[ "$status" -eq 159 ] || { echo "syscall $nr: $status $output"; return 1; }
		[ -z "$output" ]
	done
	# the shell itself needs getpid and getuid: the killing rules go
	update_config '.linux.seccomp.syscalls |= map(select(.names[0] | IN("getpid", "getppid", "getpgrp", "getuid") | not))'
	set_args sh -c '/fx/sysc 104; /fx/sysc 107; /fx/sysc 108; /fx/sysc 186 | cut -c1-2'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "errno 7" ]  # ERRNO with errnoRet
	[ "${lines[1]}" = "errno 38" ] # TRACE without a tracer: ENOSYS
	[ "${lines[2]}" = "ok 0" ]     # LOG: allowed (and logged)
	[ "${lines[3]}" = "ok" ]       # ALLOW
	assert_clean
}

@test "seccomp: argument conditions, every operator, AND across arguments, OR for one argument twice; unknown names skipped" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": [
		{"names": ["sched_get_priority_max"], "action": "SCMP_ACT_ERRNO", "errnoRet": 11, "args": [{"index": 0, "op": "SCMP_CMP_NE", "value": 1}]},
		{"names": ["sched_get_priority_min"], "action": "SCMP_ACT_ERRNO", "errnoRet": 12, "args": [{"index": 0, "op": "SCMP_CMP_LT", "value": 1}]},
		{"names": ["no_such_syscall", "getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 0, "op": "SCMP_CMP_LE", "value": 5}]},
		{"names": ["getsid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 14, "args": [{"index": 0, "op": "SCMP_CMP_GE", "value": 100}]},
		{"names": ["sched_getscheduler"], "action": "SCMP_ACT_ERRNO", "errnoRet": 16, "args": [{"index": 0, "op": "SCMP_CMP_GT", "value": 100}]},
		{"names": ["sched_getparam"], "action": "SCMP_ACT_ERRNO", "errnoRet": 17, "args": [{"index": 0, "op": "SCMP_CMP_EQ", "value": 7}]},
		{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18, "args": [{"index": 1, "op": "SCMP_CMP_MASKED_EQ", "value": 240, "valueTwo": 16}]},
		{"names": ["setpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 19, "args": [{"index": 0, "op": "SCMP_CMP_EQ", "value": 1}, {"index": 1, "op": "SCMP_CMP_EQ", "value": 0}]},
		{"names": ["sched_rr_get_interval"], "action": "SCMP_ACT_ERRNO", "errnoRet": 20, "args": [{"index": 0, "op": "SCMP_CMP_EQ", "value": 3}, {"index": 0, "op": "SCMP_CMP_EQ", "value": 4}]}]}'
	set_args sh -c 'for c in "146 0" "146 1" "147 0" "147 1" "121 5" "121 6" "124 100" "124 0" "145 101" "145 100" "143 7" "143 8" "140 0 31" "140 0 0" "141 1 0 0" "141 1 5 0" "141 0 0 0" "148 3" "148 4" "148 5"; do echo "$c: $(/fx/sysc $c)"; done'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "146 0: errno 11" ] # NE
	[ "${lines[1]}" = "146 1: ok 99" ]
	[ "${lines[2]}" = "147 0: errno 12" ] # LT
	[ "${lines[3]}" = "147 1: ok 1" ]
	[ "${lines[4]}" = "121 5: errno 13" ] # LE
	[ "${lines[5]}" != "121 6: errno 13" ]
	[ "${lines[6]}" = "124 100: errno 14" ] # GE
	[[ "${lines[7]}" == "124 0: ok "* ]]
	[ "${lines[8]}" = "145 101: errno 16" ] # GT
	[ "${lines[9]}" != "145 100: errno 16" ]
	[ "${lines[10]}" = "143 7: errno 17" ] # EQ
	[ "${lines[11]}" != "143 8: errno 17" ]
	[ "${lines[12]}" = "140 0 31: errno 18" ] # MASKED_EQ: (31 & 240) == 16
	[[ "${lines[13]}" == "140 0 0: ok "* ]]
	[ "${lines[14]}" = "141 1 0 0: errno 19" ] # two arguments: both must match
	[ "${lines[15]}" != "141 1 5 0: errno 19" ]
	[ "${lines[16]}" != "141 0 0 0: errno 19" ]
	[ "${lines[17]}" = "148 3: errno 20" ] # one argument twice: either matches (runc)
	[ "${lines[18]}" = "148 4: errno 20" ]
	[ "${lines[19]}" != "148 5: errno 20" ]
	assert_clean
}

@test "seccomp: podman's default profile: blocked syscalls fail with its errno inside the container" {
	[ -r /usr/share/containers/seccomp.json ] || { echo "tests/deps installs golang-github-containers-common"; return 1; }
	caps=$(jq -c .process.capabilities.bounding "$BUNDLE/config.json")
	profile=$(podman_profile "$caps")
	[ "$(jq '.syscalls | length' <<< "$profile")" -gt 10 ]
	update_config ".linux.seccomp = $profile"
	set_args sh -c 'mkdir /shared/p && echo made; /fx/sysc 320; /fx/sysc 161 /; /fx/sysc 1000; /fx/sysc 39 | cut -c1-2'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = made ]        # allowed
	[ "${lines[1]}" = "errno 1" ]   # kexec_file_load: blocked, EPERM
	[ "${lines[2]}" = "errno 1" ]   # chroot without CAP_SYS_CHROOT: EPERM
	[ "${lines[3]}" = "errno 38" ]  # unknown: the profile's defaultErrnoRet, ENOSYS
	[ "${lines[4]}" = "ok" ]        # getpid
	[ -d "$BATS_TEST_TMPDIR/shared/p" ]
	assert_clean
}
