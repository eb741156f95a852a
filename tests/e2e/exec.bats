#!/usr/bin/env bats
# runc exec: one more process in a container, the chain in exec mode

load helpers

setup() {
	setup_bundle
	set_args sleep 1000
}

teardown() {
	# a paused test that failed half-way: thaw what it froze
	[ -z "${ID:-}" ] || [ ! -d "$(cg_dir freezer)" ] || cg_freeze 0 2>/dev/null || true
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	teardown_bundle
}

# a running container (sleep 1000); $INIT is its init's pid
up() {
	create "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	runc start "$ID"
	INIT=$(runc state "$ID" | jq -r .pid)
	[ "$(runc state "$ID" | jq -r .status)" = running ]
}

down() {
	runc delete --force "$ID"
	assert_clean
}

@test "exec: the exit status comes back, 128+N for a signal" {
	up
	run runc exec "$ID" sh -c 'exit 42'
	[ "$status" -eq 42 ]
	run runc exec "$ID" true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run runc exec "$ID" sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
	run runc exec "$ID" sh -c 'kill -TERM $$; sleep 5'
	[ "$status" -eq 143 ]
	down
}

@test "exec: args reach the process as given, flags after the id are its own" {
	up
	run runc exec "$ID" echo a "b  c" -e -u
	[ "$status" -eq 0 ]
	[ "$output" = "a b  c -e -u" ]
	run runc exec "$ID"
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: process args cannot be empty" ]
	down
}

@test "exec: -e sets or adds variables, the process env is kept" {
	update_config '.process.env += ["KEEP=1"]'
	up
	run runc exec -e FOO=bar --env TERM=vt100 -env=X=y "$ID" env
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx 'FOO=bar'
	echo "$output" | grep -qx 'X=y'
	echo "$output" | grep -qx 'KEEP=1'
	echo "$output" | grep -qx 'TERM=vt100'
	echo "$output" | grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	[ "$(echo "$output" | grep -c '^TERM=')" -eq 1 ]
	down
}

@test "exec: --cwd, -u uid:gid and -g" {
	up
	run runc exec --cwd /proc "$ID" pwd
	[ "$output" = /proc ]
	run runc exec -u 1000:1001 -g 10 --additional-gids=11 "$ID" sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[ "${lines[2]}" = "1001 10 11" ]
	run runc exec -u 7 "$ID" id -u
	[ "$output" = 7 ]
	run runc exec -u bob "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: --user bob: expected UID[:GID] (numbers)" ]
	run runc exec --cwd /nonexistent "$ID" true
	[ "$status" -eq 255 ]
	echo "$output" | grep -q 'chdir /nonexistent'
	down
}

@test "exec: --cap adds a capability, --no-new-privs sets no_new_privs" {
	update_config '.process.noNewPrivileges = false'
	up
	local eff
	# CAP_SYS_ADMIN is bit 21: not in the default set, added by --cap
	eff=$(runc exec "$ID" awk '/^CapEff/ {print $2}' /proc/self/status)
	[ $((0x$eff >> 21 & 1)) -eq 0 ]
	eff=$(runc exec --cap CAP_SYS_ADMIN "$ID" awk '/^CapEff/ {print $2}' /proc/self/status)
	[ $((0x$eff >> 21 & 1)) -eq 1 ]
	eff=$(runc exec -c CAP_SYS_ADMIN "$ID" awk '/^CapBnd/ {print $2}' /proc/self/status)
	[ $((0x$eff >> 21 & 1)) -eq 1 ]
	run runc exec "$ID" awk '/^NoNewPrivs/ {print $2}' /proc/self/status
	[ "$output" = 0 ]
	run runc exec --no-new-privs "$ID" awk '/^NoNewPrivs/ {print $2}' /proc/self/status
	[ "$output" = 1 ]
	run runc exec --cap CAP_NOPE "$ID" true
	[ "$status" -eq 255 ]
	echo "$output" | grep -q CAP_NOPE
	# an AppArmor profile on a host without AppArmor stays an error, as in runc
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		run runc exec --apparmor some-profile "$ID" true
		[ "$status" -eq 255 ]
		[ "${#lines[@]}" -eq 1 ]
		echo "$output" | grep -q 'AppArmor'
	fi
	down
}

@test "exec: the process is in the container's namespaces, cgroups and root" {
	up
	local ns
	for ns in mnt pid net ipc uts user cgroup; do
		[ "$(runc exec "$ID" readlink "/proc/self/ns/$ns")" = "$(readlink "/proc/$INIT/ns/$ns")" ]
	done
	# the container has a pid namespace: its init is 1 there
	run runc exec "$ID" sh -c 'tr -d "\0" < /proc/1/cmdline'
	[ "$output" = sleep1000 ]
	# the init's cgroups, as seen from inside (runc spec adds a cgroup
	# namespace on v2) and, without a cgroup namespace, from the host
	[ "$(runc exec "$ID" cat /proc/self/cgroup)" = "$(runc exec "$ID" cat /proc/1/cgroup)" ]
	if ! jq -e '.linux.namespaces | any(.type == "cgroup")' "$BUNDLE/config.json" >/dev/null; then
		[ "$(runc exec "$ID" cat /proc/self/cgroup)" = "$(cat "/proc/$INIT/cgroup")" ]
	fi
	[ "$(runc exec "$ID" stat -c %i /)" = "$(stat -c %i "$(shared_rootfs)")" ]
	down
}

@test "exec: a container without a mount namespace: the init's root" {
	update_config '.linux.namespaces -= [{"type": "mount"}] | .root.readonly = false'
	update_config '.mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	up
	[ "$(runc exec "$ID" stat -c %i /)" = "$(stat -c %i "$(shared_rootfs)")" ]
	run runc exec "$ID" ls /
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx bin
	down
}

@test "exec: a --no-pivot container: the init's root, not the namespace's" {
	create --no-pivot "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	INIT=$(runc state "$ID" | jq -r .pid)
	[ "$(runc exec "$ID" stat -c %i /)" = "$(stat -c %i "$(shared_rootfs)")" ]
	[ "$(runc exec "$ID" readlink /proc/self/ns/mnt)" = "$(readlink "/proc/$INIT/ns/mnt")" ]
	down
}

@test "exec: the container's seccomp filter applies" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	up
	# EPERM from the filter, before the read-only root could say EROFS
	run runc exec "$ID" mkdir /x
	[ "$status" -eq 1 ]
	echo "$output" | grep -q 'Operation not permitted'
	[ "$(runc exec "$ID" awk '/^Seccomp:/ {print $2}' /proc/self/status)" = 2 ]
	# the filter compiled at create is in the seccomp cache and loaded again, not compiled again
	f=$(find "$STATE/.seccomp:cache" -type f)
	[ -s "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	runc --debug --log "$BATS_TEST_TMPDIR/log" exec "$ID" true
	grep -q "oci-secure: seccomp cache: hit $f" "$BATS_TEST_TMPDIR/log"
	! grep -q "oci-secure: seccomp cache: miss" "$BATS_TEST_TMPDIR/log" || return 1
	# a cache file whose key is not the spec's is never taken: compiled anew, and still applied
	sed -i 's/mkdirat/mkdirat2/' "$f"
	runc --debug --log "$BATS_TEST_TMPDIR/log2" exec "$ID" true
	grep -q "oci-secure: seccomp cache: miss, compiled" "$BATS_TEST_TMPDIR/log2"
	run runc exec "$ID" mkdir /x
	[ "$status" -eq 1 ]
	echo "$output" | grep -q 'Operation not permitted'
	down
}

@test "exec: -p process.json, and its flags on top" {
	up
	cat > "$BATS_TEST_TMPDIR/proc.json" <<-'EOF'
		{"args": ["sh", "-c", "echo $X; pwd; id -u"], "env": ["X=1", "PATH=/bin"], "cwd": "/tmp",
		 "user": {"uid": 5, "gid": 5}}
	EOF
	run runc exec -p "$BATS_TEST_TMPDIR/proc.json" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 5 ]
	run runc exec --process="$BATS_TEST_TMPDIR/proc.json" --cwd / -e X=2 "$ID"
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" = / ]
	run runc exec -p "$BATS_TEST_TMPDIR/proc.json" "$ID" echo extra
	[ "$status" -eq 255 ]
	echo "$output" | grep -q 'are exclusive'
	down
}

@test "exec: a bad process.json fails in one line and leaves the container untouched" {
	up
	local before
	before=$(cat "$STATE/$ID/state.json" "$STATE/$ID/spec" | md5sum)
	echo '{"args": 5, "cwd": "/"}' > "$BATS_TEST_TMPDIR/bad.json"
	run runc exec -p "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[ "$status" -eq 255 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" = "oci-parse: $BATS_TEST_TMPDIR/bad.json: process.args: expected an array" ]
	echo '{"args": ["true"' > "$BATS_TEST_TMPDIR/bad.json"
	run runc exec -p "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[ "$status" -eq 255 ]
	[ "${#lines[@]}" -eq 1 ]
	echo '{"args": ["true"]}' > "$BATS_TEST_TMPDIR/bad.json"
	run runc exec -p "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: $BATS_TEST_TMPDIR/bad.json: process.cwd: missing" ]
	run runc exec -p "$BATS_TEST_TMPDIR/none.json" "$ID"
	[ "$status" -eq 255 ]
	[ "${#lines[@]}" -eq 1 ]
	# a failure inside the chain: the command is not there
	run runc exec "$ID" /nonexistent
	[ "$status" -eq 255 ]
	echo "$output" | grep -qi 'no such file or directory'
	run runc exec -d "$ID" /nonexistent
	[ "$status" -eq 255 ]
	echo "$output" | grep -qi 'no such file or directory'
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	[ "$(runc state "$ID" | jq -r .pid)" = "$INIT" ]
	[ "$(cat "$STATE/$ID/state.json" "$STATE/$ID/spec" | md5sum)" = "$before" ]
	[ "$(cat "$(cg_dir pids)/cgroup.procs")" = "$INIT" ]
	down
}

@test "exec: -t relays a terminal, --console-socket gets it with -d" {
	up
	run script -qec "stty rows 33 cols 101; $RUNC --root $STATE exec -t $ID sh -c 'tty; test -t 0 && stty size'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"[0-9]* ]]
	[[ "$output" == *"33 101"* ]] # the caller's window size
	run runc exec --console-socket "$BATS_TEST_TMPDIR/x.sock" -t "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: cannot use console socket if runc will not detach or allocate tty" ]
	run runc exec -d -t "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: cannot allocate tty if runc will detach without setting console socket" ]
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
	run runc exec -d -t --console-socket "$sock" "$ID" sh -c 'tty; sleep 1'
	[ "$status" -eq 0 ]
	wait "$py" || true
	grep -q '^/dev/pts/[0-9]' "$BATS_TEST_TMPDIR/console.out"
	down
}

@test "exec: stdin without a tty, and --preserve-fds" {
	up
	run sh -c "echo data | $RUNC --root $STATE exec $ID cat"
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	echo preserved > "$BATS_TEST_TMPDIR/fd3"
	run runc exec --preserve-fds 1 "$ID" sh -c 'cat <&3; ls /proc/self/fd' 3< "$BATS_TEST_TMPDIR/fd3"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = preserved ]
	# 0 1 2 3 and ls's own directory fd: nothing else leaks in
	[ "$(echo "${lines[@]:1}" | wc -w)" -le 5 ]
	run runc exec "$ID" sh -c 'cat <&3' 3< "$BATS_TEST_TMPDIR/fd3"
	[ "$status" -ne 0 ]
	down
}

@test "exec: -d returns once the process runs, --pid-file names it" {
	up
	runc exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sleep 1000 > /dev/null 2>&1 3>&-
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(tr -d '\0' < "/proc/$pid/cmdline")" = sleep1000 ]
	[ "$(cat "/proc/$pid/cgroup")" = "$(cat "/proc/$INIT/cgroup")" ]
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$INIT/ns/pid")" ]
	# not the monitor's child any more: it outlived runc
	[ "$(awk '{print $4}' "/proc/$pid/stat")" != "$$" ]
	grep -qx "$pid" "$(cg_dir pids)/cgroup.procs"
	down
	[ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
}

@test "exec: -d leaves the process to the caller's subreaper, even one that exits at once (the shim's way)" {
	up
	local i
	for i in $(seq 10); do
		run "$ROOT/bin/probe" subreaper "$BATS_TEST_TMPDIR/pid" "$RUNC" --root "$STATE" exec -d \
			--pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sh -c 'exit 7'
		[ "$output" = "$(printf 'prog 0\npid 7')" ] || { echo "round $i: $output"; return 1; }
	done
	# with a terminal the monitor has the pty message to read too: it must still not reap
	command -v python3 >/dev/null || skip "needs python3"
	local sock=$BATS_TEST_TMPDIR/c.sock py
	for i in $(seq 10); do
		rm -f "$sock"
		python3 - "$sock" 3>&- <<-'PY' &
			import os, socket, sys
			s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			s.bind(sys.argv[1]); s.listen(1)
			c, _ = s.accept()
			_, fds, _, _ = socket.recv_fds(c, 100, 1)
			try:
			    while os.read(fds[0], 100): pass
			except OSError:
			    pass
		PY
		py=$!
		for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
		run "$ROOT/bin/probe" subreaper "$BATS_TEST_TMPDIR/pid" "$RUNC" --root "$STATE" exec -d -t \
			--console-socket "$sock" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sh -c 'exit 7'
		wait "$py" || true
		[ "$output" = "$(printf 'prog 0\npid 7')" ] || { echo "tty round $i: $output"; return 1; }
	done
	down
}

@test "exec: signals sent to runc exec reach the process" {
	up
	"$RUNC" --root "$STATE" exec "$ID" sh -c 'trap "echo got USR1; exit 7" USR1; echo ready; while :; do sleep 0.1; done' \
		> "$BATS_TEST_TMPDIR/out" 3>&- &
	local bg=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -USR1 "$bg"
	local st=0
	wait "$bg" || st=$?
	[ "$st" -eq 7 ]
	grep -q 'got USR1' "$BATS_TEST_TMPDIR/out"
	down
}

@test "exec: a created container can be exec'd into, a stopped one cannot, a missing one says so" {
	create "$ID"
	[ "$status" -eq 0 ]
	run runc exec "$ID" echo inside
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
	[ "$(runc state "$ID" | jq -r .status)" = created ]
	runc start "$ID"
	runc kill "$ID" KILL
	for _ in $(seq 50); do [ "$(runc state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	run runc exec "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: cannot exec in a stopped container" ]
	run runc exec nosuch-$$ true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: container does not exist: nosuch-$$" ]
	down
}

@test "exec: a paused container is refused unless --ignore-paused" {
	up
	cg_freeze 1
	for _ in $(seq 50); do cg_frozen && break; sleep 0.1; done
	[ "$(runc state "$ID" | jq -r .status)" = paused ]
	run runc exec "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: cannot exec in a paused container (use --ignore-paused to override)" ]
	# it joins the frozen cgroup, so it runs once the container is thawed
	"$RUNC" --root "$STATE" exec --ignore-paused "$ID" echo thawed > "$BATS_TEST_TMPDIR/out" 3>&- &
	local bg=$! st=0
	sleep 0.5
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	cg_freeze 0
	wait "$bg" || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = thawed ]
	down
}

@test "exec: --cgroup puts the process in an existing sub-cgroup (v1)" {
	requires_cgroup_v1
	up
	local pids
	pids=$(own_cgroup_dir pids)
	mkdir "$pids/sub"
	run runc exec --cgroup pids:sub "$ID" cat /proc/self/cgroup
	rmdir "$pids/sub"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ":pids:.*/$ID/sub\$"
	echo "$output" | grep -q ":memory:.*/$ID\$"
	run runc exec --cgroup pids:../x "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: --cgroup pids:../x: the path must stay under the container's cgroup" ]
	run runc exec --cgroup pids:nosub "$ID" true
	[ "$status" -eq 255 ]
	echo "$output" | grep -q "^oci-parse: --cgroup pids:nosub: .*No such file or directory"
	run runc exec --cgroup nosuchctrl:sub "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: --cgroup nosuchctrl:sub: the container has no nosuchctrl cgroup" ]
	# no prefix: the sub-cgroup of every hierarchy (v1 ones and the unified one)
	local dirs d
	dirs=$(awk '$1 == "cgroup.dir" {d[$2] = $3} END {for (h in d) print d[h]}' "$STATE/$ID/spec")
	[ -n "$dirs" ]
	for d in $dirs; do
		mkdir "$d/all"
		# a new v1 cpuset has no cpus nor mems: give it the container's
		if [ -e "$d/cpuset.cpus" ]; then
			cat "$d/cpuset.cpus" > "$d/all/cpuset.cpus"
			cat "$d/cpuset.mems" > "$d/all/cpuset.mems"
		fi
	done
	run runc exec --cgroup all "$ID" cat /proc/self/cgroup
	for d in $dirs; do rmdir "$d/all"; done
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "^0::.*/$ID/all\$"
	echo "$output" | grep -q ":memory:.*/$ID/all\$"
	echo "$output" | grep -q ":pids:.*/$ID/all\$"
	down
}

@test "exec: --cgroup puts the process in an existing sub-cgroup (v2)" {
	requires_cgroup_v2
	# no cgroup namespace: /proc/self/cgroup shows the whole path
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
	up
	local d
	d=$(cg_dir pids)
	mkdir "$d/sub"
	run runc exec --cgroup sub "$ID" cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[[ "$output" == "0::/"*"/$ID/sub" ]]
	run runc exec --cgroup /sub "$ID" cat /proc/self/cgroup
	rmdir "$d/sub"
	[ "$status" -eq 0 ]
	[[ "$output" == "0::/"*"/$ID/sub" ]]
	run runc exec --cgroup ../x "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: --cgroup ../x: the path must stay under the container's cgroup" ]
	run runc exec --cgroup nosub "$ID" true
	[ "$status" -eq 255 ]
	echo "$output" | grep -q "^oci-parse: --cgroup nosub: .*No such file or directory"
	run runc exec --cgroup nosuchctrl:sub "$ID" true
	[ "$status" -eq 255 ]
	[ "$output" = "oci-parse: --cgroup nosuchctrl:sub: the container has no nosuchctrl cgroup" ]
	# without --cgroup: the container's own cgroup
	run runc exec "$ID" cat /proc/self/cgroup
	[ "$output" = "0::$(cut -d: -f3 "/proc/$INIT/cgroup")" ]
	down
}

@test "exec: the 2015 form, runc --id X exec PROCESS.json" {
	up
	echo '{"args": ["sh", "-c", "echo legacy $X"], "env": ["X=1", "PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}' \
		> "$BATS_TEST_TMPDIR/proc.json"
	run "$RUNC" --root "$STATE" --id "$ID" exec "$BATS_TEST_TMPDIR/proc.json"
	[ "$status" -eq 0 ]
	[ "$output" = "legacy 1" ]
	# no --id: the container is named by the current directory, as in 2015
	mkdir "$BATS_TEST_TMPDIR/$ID"
	cp "$BATS_TEST_TMPDIR/proc.json" "$BATS_TEST_TMPDIR/$ID/proc.json"
	cd "$BATS_TEST_TMPDIR/$ID"
	run runc exec proc.json
	[ "$status" -eq 0 ]
	[ "$output" = "legacy 1" ]
	# today's form is unchanged, even next to a file named like the container
	touch "$ID"
	run runc exec "$ID" echo modern
	[ "$output" = modern ]
	run "$RUNC" --root "$STATE" --id "$ID" exec a b
	[ "$status" -eq 1 ]
	[ "$output" = "runc: exec: exactly one process JSON file expected" ]
	down
}

@test "exec: a container with user and cgroup namespaces: joined, user first" {
	userns '.linux.namespaces |= map(select(.type != "cgroup")) + [{"type": "user"}, {"type": "cgroup"}]'
	up
	local ns
	for ns in user cgroup mnt pid net ipc uts; do
		[ "$(runc exec "$ID" readlink "/proc/self/ns/$ns")" = "$(readlink "/proc/$INIT/ns/$ns")" ]
	done
	run runc exec -u 1000 "$ID" sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "$(echo ${lines[1]})" = "0 200000 65536" ]
	# as the host sees it: the mapped uid
	runc exec -d -u 1000 --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sleep 100 > /dev/null 2>&1 3>&-
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/status")" = 201000 ]
	# in the cgroup namespace rooted at the container's cgroup
	run runc exec "$ID" cat /proc/self/cgroup
	echo "$output" | grep -qx '0::/'
	down
}

@test "exec: the container's rlimits and oom score, a process file's own rlimits win" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 555, "hard": 555}] | .process.oomScoreAdj = 123'
	up
	[ "$(runc exec "$ID" sh -c 'ulimit -n')" = 555 ]
	[ "$(runc exec "$ID" cat /proc/self/oom_score_adj)" = 123 ]
	echo '{"args": ["sh", "-c", "ulimit -n; cat /proc/self/oom_score_adj"], "cwd": "/",
	       "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 77, "hard": 77}]}' > "$BATS_TEST_TMPDIR/p.json"
	run runc exec -p "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 77 ]
	[ "${lines[1]}" = 123 ]
	down
}
