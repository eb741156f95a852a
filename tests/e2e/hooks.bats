#!/usr/bin/env bats
# OCI hooks: each kind at its moment, the state on stdin, failures

load helpers

setup() {
	setup_bundle
	LOG=$BATS_TEST_TMPDIR/hooks.log
	mkdir -p "$BATS_TEST_TMPDIR/shared"
	update_config ".mounts += [{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/shared\", \"options\": [\"bind\"]}]"
}

teardown() {
	teardown_bundle
}

# hook KIND [EXIT] [FILE]: a hook that appends "KIND <state status> <state id>" to FILE
hook() {
	local kind=$1 code=${2:-0} file=${3:-$LOG}
	update_config ".hooks.$kind += [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"s=\$(cat); echo $kind \$(echo \\\"\$s\\\" | sed 's/.*\\\"status\\\":\\\"\\\\([a-z]*\\\\)\\\".*/\\\\1/') >> $file; exit $code\"]}]"
}

@test "hooks: every kind runs at its moment with the state on stdin" {
	hook prestart
	hook createRuntime
	hook createContainer
	hook startContainer 0 /shared/log # inside the container: its own root
	hook poststart
	hook poststop
	set_args sh -c 'sleep 0.2; echo main'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = main ]
	run cat "$LOG"
	[ "${lines[0]}" = "prestart created" ]
	[ "${lines[1]}" = "createRuntime created" ]
	[ "${lines[2]}" = "createContainer created" ]
	[ "${lines[3]}" = "poststart running" ]
	[ "${lines[4]}" = "poststop stopped" ]
	[ "$(cat "$BATS_TEST_TMPDIR/shared/log")" = "startContainer created" ]
	assert_clean
}

@test "hooks: the state names the container, its pid and the bundle" {
	update_config ".hooks.prestart = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $BATS_TEST_TMPDIR/state.json\"]}] | .annotations = {\"a\": \"b\"}"
	set_args true
	run runc run --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .id "$BATS_TEST_TMPDIR/state.json")" = "$ID" ]
	[ "$(jq -r .bundle "$BATS_TEST_TMPDIR/state.json")" = "$BUNDLE" ]
	[ "$(jq -r .pid "$BATS_TEST_TMPDIR/state.json")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(jq -r .annotations.a "$BATS_TEST_TMPDIR/state.json")" = b ]
}

@test "hooks: a failing prestart hook fails the run, tears down, and poststop still runs" {
	hook prestart 3
	hook poststop
	set_args sh -c 'echo should-not-run'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hook prestart /bin/sh: exit status 3"* ]]
	[[ "$output" != *should-not-run* ]]
	[ "$(cat "$LOG")" = "$(printf 'prestart created\npoststop stopped')" ]
	assert_clean
}

@test "hooks: poststart and poststop failures are warnings" {
	hook poststart 1
	hook poststop 1
	set_args sh -c 'exit 5'
	run runc run "$ID"
	[ "$status" -eq 5 ]
	[[ "$output" == *"warning: hook poststart /bin/sh: exit status 1"* ]]
	[[ "$output" == *"warning: hook poststop /bin/sh: exit status 1"* ]]
	assert_clean
}

@test "hooks: a hook past its timeout is killed" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
	set_args true
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hook createRuntime /bin/sleep: timed out after 1s"* ]]
	assert_clean
}

@test "hooks: a relative hook path is bad input" {
	update_config '.hooks.poststop = [{"path": "sh"}]'
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: config.json: hooks.poststop[0].path: expected an absolute path" ]
}
