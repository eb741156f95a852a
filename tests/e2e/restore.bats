#!/usr/bin/env bats
# runc restore: the chain oci-parse --mode=restore, oci-cgroup, oci-ns,
# oci-criu (criu's RPC). Refusals everywhere; criu's own reason where it
# cannot run (this host's kernel); round trips where it can (the guest,
# make test-v2), each checking several things (a dump and a restore cost
# seconds under qemu TCG).

load helpers

setup() {
	setup_bundle
	IMG=$BATS_TEST_TMPDIR/img
	WORK=$BATS_TEST_TMPDIR/work
	DATA=$BATS_TEST_TMPDIR/data
}

teardown() {
	[ -z "${ID2:-}" ] || ID=$ID2 teardown_bundle
	teardown_bundle
}

# the counter container: a number five times a second in a host dir bound
# at /data (a bind mount criu must be told about); TERM ends it with 42
counter() {
	mkdir -p "$DATA"
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$DATA"'", "options": ["rbind", "rw"]}]'
	set_args sh -c 'trap "exit 42" TERM; i=0; while :; do echo $i > /data/c; i=$((i + 1)); sleep 0.2; done'
}

# run_d: runc run -d with the container's stdio on pipes (setup_pipes)
run_d() {
	setup_pipes
	"$RUNC" --root "$STATE" run -d "$@" "$ID" <&"$IN_W" >&"$OUT_R" 2>&"$OUT_R" 3>&-
}

# restore_d [ARGS...]: runc restore -d from $IMG with new pipes on stdio
# (not bats' run: the restored container would hold its output pipe open);
# sets status and output (what runc said on the pipe)
restore_d() {
	local in out l
	exec {in}<> <(:) {out}<> <(:)
	status=0
	"$RUNC" --root "$STATE" restore -d --image-path "$IMG" --work-path "$WORK" "$@" <&"$in" >&"$out" 2>&"$out" 3>&- ||
		status=$?
	output=
	while IFS= read -r -t 0.3 -u "$out" l; do output+=${output:+$'\n'}$l; done
}

pid_of() {
	runc state "${1:-$ID}" | jq -r .pid
}

status_of() {
	runc state "${1:-$ID}" | jq -r .status
}

count() {
	cat "$DATA/c"
}

# the counter moves on, from at least $1 (it never goes back)
counting() {
	local a b
	a=$(count)
	[ "$a" -ge "${1:-0}" ] || { echo "the counter went back: $a < $1"; return 1; }
	for _ in $(seq 50); do
		sleep 0.2
		b=$(count)
		[ "$b" -gt "$a" ] && return 0
	done
	echo "the counter stopped at $a"
	return 1
}

# nothing of a restore is left: no state dir (so no criu-root), cgroup or mount
assert_none() {
	assert_clean
	[ ! -e "$STATE/$ID/criu-root" ]
	! grep -q criu-root /proc/self/mountinfo
}

# an image dir with what oci-criu reads before criu runs
fake_image() {
	mkdir -p "$IMG"
	echo '["/dev/null","/dev/null","/dev/null"]' > "$IMG/descriptors.json"
}

@test "restore: --help, a flag without its value, bad flags and ids, in runc's words" {
	run runc restore --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: runc restore "* ]]
	run runc restore -h
	[ "$status" -eq 0 ]
	# podman's probe for the flag
	run runc restore --lsm-mount-context
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag needs an argument: --lsm-mount-context" ]
	run runc restore --bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --bogus" ]
	# Go bools: --x=false turns a flag off, junk is refused
	run runc restore --tcp-established=maybe "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: invalid boolean value "maybe" for -tcp-established: parse error' ]
	run runc restore -d=nope "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: invalid boolean value "nope" for -d: parse error' ]
	run runc restore
	[ "$status" -eq 1 ]
	[ "$output" = 'runc: "restore" requires exactly 1 argument(s)' ]
	run runc restore "$ID" other
	[ "$status" -eq 1 ]
	assert_none
}

@test "restore: refusals before anything is made" {
	fake_image
	# runc's default image dir is ./checkpoint (the bundle here)
	run runc restore "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: open checkpoint: No such file or directory" ]
	run runc restore --image-path "$IMG/nope" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: open $IMG/nope: No such file or directory" ]
	run runc restore --image-path "$IMG" --manage-cgroups-mode strict "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: --manage-cgroups-mode strict: the container's cgroup exists before criu runs; use soft or full" ]
	run runc restore --image-path "$IMG" --manage-cgroups-mode=bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: Invalid manage cgroups mode" ]
	run runc restore --image-path "$IMG" --empty-ns ipc "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = 'oci-parse: namespace "ipc" is not supported' ]
	run runc restore --image-path "$IMG" --console-socket "$BATS_TEST_TMPDIR/s" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: cannot use console socket if runc will not detach or allocate tty" ]
	update_config '.process.terminal = true'
	run runc restore -d --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: cannot allocate tty if runc will detach without setting console socket" ]
	update_config '.process.terminal = false | .linux.namespaces |= map(select(.type != "cgroup")) + [{"type": "cgroup", "path": "/proc/self/ns/cgroup"}]'
	run runc restore --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-parse: config.json: linux.namespaces"*".path: Do not know how to handle namespace cgroup" ]]
	assert_none
	[ "$(ls "$IMG")" = descriptors.json ] # the image dir is never touched
}

@test "restore: a criu that cannot be run, an image without descriptors.json: named, nothing left" {
	fake_image
	run runc --criu /nonexistent/criu restore --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-criu: run /nonexistent/criu swrk: No such file or directory" ]
	assert_none
	rm "$IMG/descriptors.json"
	run runc restore --image-path "$IMG" "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-criu: open $IMG/descriptors.json: No such file or directory" ]
	assert_none
}

@test "restore: where criu cannot work, its own reason from restore.log; nothing left" {
	requires_broken_criu
	fake_image
	run runc restore --image-path "$IMG" --work-path "$WORK" "$ID" < /dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	local reason
	reason=$(grep -m1 -o 'Error (.*' "$WORK/restore.log")
	[ "$output" = "oci-criu: criu failed: type restore: $reason (log file: $WORK/restore.log)" ]
	assert_none
	[ "$(ls "$IMG")" = descriptors.json ]
	# detached, with the default work dir (the image dir)
	run runc restore -d --image-path "$IMG" "$ID" < /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-criu: criu failed: type restore: "*" (log file: $IMG/restore.log)" ]]
	assert_none
}

@test "restore: a checkpointed counter counts on as a normal container; a damaged image leaves nothing" {
	requires_criu
	counter
	# a tmpfs below the bind: its mount point, made in the bind's source by
	# the run and gone from there by the restore, is made there again
	update_config '.mounts += [{"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"}]'
	# prestart runs at criu's setup-namespaces with the restored init's pid
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > '"$BATS_TEST_TMPDIR"'/hook.json"]}]'
	run_d
	local pid c
	pid=$(pid_of)
	counting
	[ -d "$DATA/sub" ]
	runc exec "$ID" sh -c 'echo kept > /data/sub/f'
	runc checkpoint --image-path "$IMG" --work-path "$WORK" "$ID"
	rm "$BATS_TEST_TMPDIR/hook.json"
	c=$(count)
	assert_clean
	rmdir "$DATA/sub"
	restore_d "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of)" = running ]
	local new
	new=$(pid_of)
	[ -d "/proc/$new" ]
	grep -q 'Restore finished successfully' "$WORK/restore.log"
	[ "$(jq -r .pid "$BATS_TEST_TMPDIR/hook.json")" = "$new" ]
	counting "$c"
	# the state dir holds only files (criu-root is gone); the init is in the container's cgroup
	[ ! -e "$STATE/$ID/criu-root" ]
	grep -qx "$new" "$(cg_dir pids)/cgroup.procs"
	# exec joins the restored namespaces; lo is up in the new network namespace
	run runc exec "$ID" cat /data/c
	[ "$status" -eq 0 ]
	[ "$output" -ge "$c" ]
	[ -d "$DATA/sub" ]
	run runc exec "$ID" cat /data/sub/f
	[ "$output" = kept ]
	run runc exec "$ID" cat /sys/class/net/lo/operstate
	[ "$output" = unknown ]
	run runc ps "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$new"* ]]
	runc pause "$ID"
	[ "$(status_of)" = paused ]
	runc resume "$ID"
	[ "$(status_of)" = running ]
	counting
	runc kill "$ID" KILL
	for _ in $(seq 50); do [ "$(status_of)" = stopped ] && break; sleep 0.1; done
	[ "$(status_of)" = stopped ]
	runc delete "$ID"
	assert_none
	# the image again, without its pages: criu's reason, nothing left, the counter stays dead
	rm "$IMG"/pages-*.img
	restore_d "$ID"
	echo "$output"
	grep 'Error (' "$WORK/restore.log" || true
	[ "$status" -eq 1 ]
	# criu's reason (its own summary only when the log has nothing more specific)
	[[ "$output" == "oci-criu: criu failed: type restore: Error (criu/"*" (log file: $WORK/restore.log)" ]]
	assert_none
	c=$(count)
	sleep 0.6
	[ "$(count)" = "$c" ]
	! pgrep -x criu
}

@test "restore: pre-dump, dump --leave-running, restore under a new id while the original runs" {
	requires_criu
	counter
	run_d
	local pid
	pid=$(pid_of)
	runc checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$ID"
	runc checkpoint --image-path "$IMG" --parent-path ../pre --leave-running "$ID"
	[ "$(pid_of)" = "$pid" ]
	ID2=$ID-new
	restore_d --bundle "$BUNDLE" "$ID2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of "$ID2")" = running ]
	[ "$(status_of)" = running ]
	local new
	new=$(pid_of "$ID2")
	[ "$new" != "$pid" ]
	# each in its own cgroup
	grep -qx "$new" "$(ID=$ID2 cg_dir pids)/cgroup.procs"
	grep -qx "$pid" "$(cg_dir pids)/cgroup.procs"
	run runc exec "$ID2" cat /data/c
	[ "$status" -eq 0 ]
	runc delete --force "$ID2"
	ID=$ID2 assert_none
	# a prestart hook that fails (run at criu's setup-namespaces) fails the restore: its reason, nothing left
	update_config '.hooks.prestart = [{"path": "/bin/false"}]'
	restore_d "$ID2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-criu: criu failed: type restore: hook prestart /bin/false: "*"(log file: $WORK/restore.log)" ]]
	ID=$ID2 assert_none
	[ "$(status_of)" = running ]
	counting
	runc delete --force "$ID"
	assert_none
}

@test "restore: in the foreground with --pid-file (and --no-subreaper): signals reach the init, its exit status is runc's" {
	requires_criu
	counter
	run_d
	runc checkpoint --image-path "$IMG" "$ID"
	local in out rc=0
	exec {in}<> <(:) {out}<> <(:)
	"$RUNC" --root "$STATE" restore --no-subreaper --image-path "$IMG" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" \
		<&"$in" >&"$out" 2>&1 3>&- &
	local mon=$!
	for _ in $(seq 150); do [ -s "$BATS_TEST_TMPDIR/pid" ] && break; sleep 0.1; done
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(pid_of)" ]
	[ "$(status_of)" = running ]
	counting
	kill -TERM "$mon"
	wait "$mon" || rc=$?
	[ "$rc" -eq 42 ]
	assert_none
}

@test "restore: a joined network namespace (podman's) is joined again, its devices intact" {
	requires_criu
	local ns=rt-restore-$$
	ip netns add "$ns"
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" addr add 10.9.9.9/24 dev d0
	counter
	update_config '.linux.namespaces |= map(if .type == "network" then . + {"path": "/run/netns/'"$ns"'"} else . end)'
	run_d
	runc checkpoint --image-path "$IMG" "$ID"
	restore_d "$ID"
	echo "$output"
	local rc=$status ino
	ino=$(stat -Lc %i "/run/netns/$ns")
	[ "$rc" -eq 0 ] && [ "$(stat -Lc %i "/proc/$(pid_of)/ns/net")" = "$ino" ] && runc exec "$ID" cat /sys/class/net/d0/address >/dev/null || rc=1
	runc delete --force "$ID" || true
	ip netns del "$ns"
	[ "$rc" -eq 0 ]
	assert_none
}

@test "restore: a terminal container: -d --console-socket sends the new pty master; in the foreground runc relays it" {
	requires_criu
	update_config '.process.terminal = true'
	set_args sh -c 'while read l; do echo got:$l; [ "$l" = bye ] && exit 7; done'
	local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out
	# one receiver for both masters (the run's, then the restore's)
	console_receiver "$sock" "$out" hello again
	"$RUNC" --root "$STATE" run -d --console-socket "$sock" "$ID" < /dev/null > /dev/null 2>&1 3>&-
	for _ in $(seq 100); do grep -q got:hello "$out" && break; sleep 0.1; done
	grep -q got:hello "$out"
	# the dump ends the first master's slave: the receiver waits for the second
	runc checkpoint --image-path "$IMG" "$ID"
	run "$RUNC" --root "$STATE" restore -d --image-path "$IMG" --console-socket "$sock" "$ID" < /dev/null 3>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of)" = running ]
	for _ in $(seq 100); do grep -q got:again "$out" && break; sleep 0.1; done
	grep -q got:again "$out"
	# again, then a restore in the foreground on a terminal (script's): the
	# monitor relays between it and the new master, and passes on the exit status
	runc checkpoint --image-path "$IMG/2" "$ID"
	wait "$CONSOLE_PID" || true
	run script -qec "'$RUNC' --root '$STATE' restore --image-path '$IMG/2' $ID" /dev/null <<<$'third\nbye'
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *got:third* ]]
	[[ "$output" == *got:bye* ]]
	# as after a foreground run, the container is gone with its process
	assert_none
}
