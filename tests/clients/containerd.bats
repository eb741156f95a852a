#!/usr/bin/env bats
# containerd 1.6 drives bin/runc through its runc shim
# (containerd-shim-runc-v2, also the way Kubernetes reaches a runtime): a
# private daemon of this file, with its own root, state, sockets and no CRI
# plugin; `ctr run --runc-binary bin/runc --runc-root` with a --rootfs
# copy of the test rootfs per container, in a cgroup nested under ours.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	requires containerd ctr containerd-shim-runc-v2
	export C=$BATS_FILE_TMPDIR/containerd
	mkdir -p "$C"
	"$ROOT/tests/mkrootfs.sh" "$C/base" > /dev/null
	netns_list > "$C/netns.before"
	start_containerd "$C"
	export CG=rt-test-ctr-$$
}

teardown_file() {
	[ -n "${C:-}" ] || return 0
	teardown
	stop_pid "$(cat "$C/pid")"
	# the daemon and its shims are gone, nothing is mounted
	! pgrep -f -- "$C/" > /dev/null || return 1
	! grep -qF " $C" /proc/self/mountinfo || return 1
}

# a test that failed half-way: remove its tasks and containers (through
# the runtime), so that later tests and the final check see only their own
teardown() {
	local t
	for t in $(c task ls -q 2> /dev/null); do
		c task kill -s KILL "$t" > /dev/null 2>&1 || true
		c task rm -f "$t" > /dev/null 2>&1 || true
	done
	for t in $(c container ls -q 2> /dev/null); do
		c container rm "$t" > /dev/null 2>&1 || true
	done
}

# c ARGS...: ctr on this file's daemon, in its own namespace
c() { # bounded: a hang fails the test instead of holding the whole run
	timeout 120 ctr --address "$C/containerd.sock" --namespace rt-test "$@"
}

NS=rt-test

# newroot NAME: a private copy of the rootfs for one container
newroot() {
	cp -a "$C/base/rootfs" "$BATS_TEST_TMPDIR/$1"
	echo "$BATS_TEST_TMPDIR/$1"
}

# crun [OPTS...] ID CMD...: ctr run with bin/runc on a fresh rootfs
crun() {
	local opts=()
	while [ $# -gt 0 ] && [[ "$1" == -* ]]; do
		opts+=("$1")
		shift
	done
	local id=$1
	shift
	# no image config: the PATH is the spec's, as runc reads it
	c run "${opts[@]}" --env PATH=/usr/sbin:/usr/bin:/sbin:/bin --rootfs --runc-binary "$RUNC" --runc-root "$C/runc" --cgroup "$CG-$id" \
		"$(newroot "$id")" "$id" "$@"
}

# the shim's socket for a task (containerd 1.6: /run/containerd/s/sha256(address/ns/id))
shim_socket() {
	echo "/run/containerd/s/$(printf '%s' "$C/containerd.sock/$NS/$1" | sha256sum | cut -d' ' -f1)"
}

task_status() {
	c task ls | awk -v id="$1" '$1 == id { print $3 }'
}

# gone ID: nothing of the container remains
gone() {
	local id=$1
	[ -z "$(c task ls -q | grep -x "$id")" ]
	[ -z "$(c container ls -q | grep -x "$id")" ]
	[ ! -e "$C/runc/$NS/$id" ]
	[ ! -e "$C/state/io.containerd.runtime.v2.task/$NS/$id" ]
	[ ! -e "$(shim_socket "$id")" ]
	[ -z "$(cgroups_named "$CG-$id")" ]
	! pgrep -f -- "-id $id -address $C/containerd.sock" > /dev/null || return 1
	! grep -qF "$BATS_TEST_TMPDIR/$id" /proc/self/mountinfo || return 1
}

@test "containerd: run prints the container's output and returns its exit code" {
	run -4 crun --rm c-run sh -c 'echo hello; exit 4'
	[ "$output" = hello ]
	gone c-run
	# the task's cgroup, seen from the host, is nested under ours
	run crun -d c-run2 sleep 1000
	[ "$status" -eq 0 ]
	local pid
	pid=$(c task ls | awk '$1 == "c-run2" { print $2 }')
	grep -q "/$CG-c-run2\$" "/proc/$pid/cgroup"
	c task kill -s KILL c-run2
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-run2\" { print \$3 }')\" = STOPPED ]"
	c task rm c-run2
	c container rm c-run2
	gone c-run2
}

@test "containerd: a missing command fails with runc's wording" {
	run crun --rm c-missing nosuchcommand
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "nosuchcommand": executable file not found in $PATH'* ]]
	c container rm c-missing 2> /dev/null || true
	gone c-missing
}

@test "containerd: run with a tty (console socket)" {
	newroot c-tty > /dev/null
	run timeout 60 script -qec "ctr --address $C/containerd.sock --namespace $NS run --rm -t --env PATH=/usr/sbin:/usr/bin:/sbin:/bin --rootfs --runc-binary $RUNC --runc-root $C/runc --cgroup $CG-c-tty $BATS_TEST_TMPDIR/c-tty c-tty sh -c 'tty; exit 2'" /dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	# ctr's console echoes a NUL it writes as ^@ (with runc 1.1 too)
	[[ "${output#^@}" == /dev/pts/* ]]
	gone c-tty
}

@test "containerd: run -d with a log file, kill, wait, delete" {
	run crun -d --log-uri="file://$BATS_TEST_TMPDIR/log" c-logs sh -c 'echo out; echo err >&2; trap "exit 9" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	wait_for grep -q err "$BATS_TEST_TMPDIR/log"
	grep -qx out "$BATS_TEST_TMPDIR/log"
	[ "$(task_status c-logs)" = RUNNING ]
	[ -d "$C/runc/$NS/c-logs" ]
	[ "$("$RUNC" --root "$C/runc/$NS" state c-logs | jq -r .status)" = running ]
	run c task kill c-logs
	[ "$status" -eq 0 ]
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-logs\" { print \$3 }')\" = STOPPED ]"
	run c task rm c-logs
	[ "$status" -eq 0 ]
	c container rm c-logs
	gone c-logs
}

@test "containerd: signals reach the container, SIGKILL stops it (stop and rm)" {
	crun c-sig sh -c 'trap "echo usr1; exit 7" USR1; echo ready; while :; do sleep 0.1; done' > "$BATS_TEST_TMPDIR/out" 3>&- &
	local pid=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/out"
	c task kill -s USR1 c-sig
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 7 ]
	grep -qx usr1 "$BATS_TEST_TMPDIR/out"
	c task rm c-sig > /dev/null 2>&1 || true
	c container rm c-sig
	gone c-sig

	run crun -d c-stop sleep 1000
	[ "$status" -eq 0 ]
	c task kill -s KILL c-stop
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-stop\" { print \$3 }')\" = STOPPED ]"
	c task rm c-stop
	c container rm c-stop
	gone c-stop
}

@test "containerd: restart: a new task of the same container" {
	run crun -d c-re sh -c 'exit 0'
	[ "$status" -eq 0 ]
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-re\" { print \$3 }')\" = STOPPED ]"
	c task rm c-re
	run c task start c-re
	[ "$status" -eq 0 ]
	c task rm c-re > /dev/null 2>&1 || true
	c container rm c-re
	gone c-re
}

@test "containerd: --privileged and --device" {
	run crun --rm --privileged c-priv sh -c 'grep CapEff /proc/self/status; ls /dev'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep CapEff <<< "$output" | awk '{print $2}')" = "$(grep CapBnd /proc/self/status | awk '{print $2}')" ]
	grep -qx fuse <<< "$output"
	gone c-priv
	run crun --rm --device=/dev/fuse c-dev stat -c '%F %t:%T' /dev/fuse
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file a:e5" ]
	gone c-dev
}

@test "containerd: task exec: exit code, user, cwd, tty, detach" {
	run crun -d c-exec sleep 1000
	[ "$status" -eq 0 ]
	run -5 c task exec --exec-id e1 c-exec sh -c 'echo in; exit 5'
	[ "$output" = in ]
	run c task exec --exec-id e2 --user 1000:1000 --cwd /tmp c-exec sh -c 'id -u; id -g; pwd'
	[ "$output" = "1000
1000
/tmp" ]
	run timeout 60 script -qec "ctr --address $C/containerd.sock --namespace $NS task exec -t --exec-id e3 c-exec tty" /dev/null
	echo "$output"
	[ "$status" -eq 0 ] # ctr got the exit: the shim reaped the process (a hang is 124)
	[[ "${output#^@}" == /dev/pts/* ]]
	run c task exec -d --exec-id e4 c-exec sh -c 'echo detached > /tmp/mark'
	[ "$status" -eq 0 ]
	wait_for grep -q detached "$BATS_TEST_TMPDIR/c-exec/tmp/mark"
	c task kill -s KILL c-exec
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-exec\" { print \$3 }')\" = STOPPED ]"
	c task rm c-exec
	c container rm c-exec
	gone c-exec
}

@test "containerd: task ps lists the container's processes" {
	run crun -d c-ps sh -c 'sleep 1000 & exec sleep 999'
	[ "$status" -eq 0 ]
	run c task ps c-ps
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 <<< "$output" | wc -l)" -eq 2 ]
	c task kill -a -s KILL c-ps
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-ps\" { print \$3 }')\" = STOPPED ]"
	c task rm c-ps
	c container rm c-ps
	gone c-ps
}

@test "containerd: pause, resume, and kill of a paused task" {
	run crun -d c-pause sleep 1000
	[ "$status" -eq 0 ]
	run c task pause c-pause
	[ "$status" -eq 0 ]
	[ "$(task_status c-pause)" = PAUSED ]
	run c task resume c-pause
	[ "$status" -eq 0 ]
	[ "$(task_status c-pause)" = RUNNING ]
	run c task pause c-pause
	[ "$status" -eq 0 ]
	run timeout 20 ctr --address "$C/containerd.sock" --namespace "$NS" task kill -s KILL c-pause
	[ "$status" -eq 0 ]
	wait_for sh -c "[ \"\$(ctr --address $C/containerd.sock --namespace $NS task ls | awk '\$1 == \"c-pause\" { print \$3 }')\" = STOPPED ]"
	c task rm c-pause
	c container rm c-pause
	gone c-pause
}

@test "containerd: nothing is left on the host" {
	[ -z "$(c task ls -q)" ]
	[ -z "$(c container ls -q)" ]
	[ -z "$(cgroups_named "$CG-*")" ]
	[ -z "$(ls "$C/runc/$NS" 2> /dev/null)" ]
	[ -z "$(ls "$C/state/io.containerd.runtime.v2.task/$NS" 2> /dev/null)" ]
	# no shim of this daemon runs
	! pgrep -f -- "-address $C/containerd.sock" > /dev/null || return 1
	! grep -qF "$BATS_FILE_TMPDIR" /proc/self/mountinfo || return 1
	diff <(netns_list) "$C/netns.before"
}
