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

@test "seccomp notify: exec gets its own listener, sent with the exec process's pid" {
	agent 0 2
	notify_config true m
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	init=$(runc state "$ID" | jq -r .pid)
	run runc exec --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID" sh -c 'mkdir /shared/e && echo made'
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	[ ! -e "$BATS_TEST_TMPDIR/shared/e" ]
	runc delete --force "$ID"
	agent_done
	[ "$(grep -c '^state ' "$ALOG")" -eq 2 ]
	st=$(sed -n 's/^state //p' "$ALOG" | sed -n 2p)
	[ "$(jq -r .pid <<< "$st")" = "$(cat "$BATS_TEST_TMPDIR/xpid")" ]
	[ "$(jq -r .state.pid <<< "$st")" = "$init" ]
	[ "$(jq -r .state.status <<< "$st")" = running ]
	[ "$(jq -r .state.id <<< "$st")" = "$ID" ]
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
