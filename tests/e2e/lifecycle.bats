#!/usr/bin/env bats
# today's lifecycle: create, start, state, list, kill, delete, run -d

load helpers

setup() {
	setup_bundle
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

status_of() {
	runc state "$1" | jq -r .status
}

@test "lifecycle: create does not run the process, start does" {
	set_args sh -c 'touch /tmp/ran; echo ready; sleep 10'
	update_config '.root.readonly = false'
	cp -a "$(shared_rootfs)" "$BUNDLE/rootfs"
	update_config '.root.path = "rootfs"'
	create --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID")" = created ]
	[ "$(runc state "$ID" | jq -r .pid)" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(runc state "$ID" | jq -r .bundle)" = "$BUNDLE" ]
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
	run runc start "$ID"
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/ran" ] && break; sleep 0.1; done
	[ -e "$BUNDLE/rootfs/tmp/ran" ]
	[ "$(status_of "$ID")" = running ]
	run runc start "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-start: cannot start an already running container" ]
	run runc kill "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	[ "$(status_of "$ID")" = stopped ]
	[ "$(runc state "$ID" | jq -r .pid)" = 0 ]
	run runc start "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-start: cannot start a container that has stopped" ]
	run runc kill "$ID" KILL
	[ "$status" -eq 1 ]
	[ "$output" = "oci-kill: container not running" ]
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "lifecycle: delete refuses a running container, --force kills it" {
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	[ "$(status_of "$ID")" = running ]
	run runc delete "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-delete: cannot delete container $ID that is not stopped: running" ]
	[ "$(status_of "$ID")" = running ]
	run runc delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
	run runc delete --force "$ID"
	[ "$status" -eq 0 ] # runc: nothing to delete is fine with --force
	run runc delete "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-delete: container $ID does not exist" ]
}

@test "lifecycle: delete of a created container kills its waiting process" {
	set_args true
	create "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(runc state "$ID" | jq -r .pid)
	run runc delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "/proc/$pid/cmdline" ] || [ -z "$(cat "/proc/$pid/cmdline")" ]
	assert_clean
}

@test "lifecycle: state and list" {
	run runc state "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-state: container $ID does not exist" ]
	run runc list --format json
	[ "$output" = null ]
	set_args sleep 100
	update_config '.annotations = {"org.example.k": "v"}'
	create "$ID"
	[ "$status" -eq 0 ]
	run runc state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersion <<< "$output")" = 1.2.0 ]
	[ "$(jq -r .id <<< "$output")" = "$ID" ]
	[ "$(jq -r .rootfs <<< "$output")" = "$(shared_rootfs)" ]
	[ "$(jq -r '.annotations["org.example.k"]' <<< "$output")" = v ]
	[[ "$(jq -r .created <<< "$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
	run runc list
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[[ "${lines[1]}" =~ ^$ID\ +[0-9]+\ +created\ +$BUNDLE\ +[0-9T:.Z-]+\ +root$ ]]
	run runc list -q
	[ "$output" = "$ID" ]
	run runc list --format json
	[ "$(jq -r '.[0].status' <<< "$output")" = created ]
	runc delete --force "$ID"
	assert_clean
}

@test "lifecycle: run -d leaves the container running" {
	set_args sleep 100
	"$RUNC" --root "$STATE" run -d "$ID" < /dev/null > /dev/null 2>&1 3>&-
	[ "$(status_of "$ID")" = running ]
	[ "$(status_of "$ID")" = running ]
	runc kill "$ID" 9
	for _ in $(seq 50); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	runc delete "$ID"
	assert_clean
}

@test "lifecycle: kill --all KILL succeeds when the first process is reaped before it is signalled" {
	# runc run waits for its first process and reaps it the moment it dies
	# of the cgroup-wide kill, while kill still signals the others: the
	# pidfd then says ESRCH, which must not read as "not running" (no pid
	# namespace: each of the 200 is signalled in turn)
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'for i in $(seq 200); do sleep 1000 & done; echo ready; exec sleep 1000'
	local i procs fails=0
	procs=$(cg_dir pids)/cgroup.procs
	for i in $(seq 10); do
		rm -f "$BATS_TEST_TMPDIR/out"
		start_bg run "$ID"
		for _ in $(seq 100); do [ "$(wc -l < "$procs")" -eq 201 ] && break; sleep 0.1; done
		[ "$(wc -l < "$procs")" -eq 201 ]
		run runc kill --all "$ID" KILL
		echo "round $i: $status $output"
		[ "$status" -eq 0 ] || fails=$((fails + 1))
		wait "$BG" || true
		[ ! -e "$STATE/$ID" ] || runc delete --force "$ID"
	done
	[ "$fails" -eq 0 ]
	assert_clean
}

@test "lifecycle: a terminal needs a console socket, which gets the pty master" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; sleep 100'
	create "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: cannot allocate tty if runc will detach without setting console socket" ]
	assert_clean
	command -v python3 >/dev/null || skip "needs python3"
	local sock=$BATS_TEST_TMPDIR/console.sock
	python3 - "$sock" > "$BATS_TEST_TMPDIR/console.out" 3>&- <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 100, 1)
m = fds[0]
out = b""
deadline = time.time() + 10
while b"\n" not in out and time.time() < deadline:
    try:
        out += os.read(m, 100)
    except OSError:
        break
print(out.decode().strip(), flush=True)
PY
	local py=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	create --console-socket "$sock" "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	wait "$py" || true
	[ "$(cat "$BATS_TEST_TMPDIR/console.out")" = /dev/pts/0 ]
	runc delete --force "$ID"
	assert_clean
}

@test "lifecycle: kill --all reaches every process in the container's cgroups" {
	# no pid namespace: the init's death would not take the others with it
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'sleep 1000 & sleep 1000'
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	local procs
	procs=$(cg_dir pids)/cgroup.procs
	for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 2 ] && break; sleep 0.1; done
	[ "$(wc -l < "$procs")" -eq 2 ]
	run runc kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do [ "$(wc -l < "$procs")" -eq 0 ] && break; sleep 0.1; done
	[ "$(wc -l < "$procs")" -eq 0 ]
	runc delete "$ID"
	assert_clean
}
