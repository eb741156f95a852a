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
