#!/usr/bin/env bats
# docker 20.10 (Debian's docker.io) drives bin/runc: a private dockerd of
# this file given the runtime with --add-runtime, its own --data-root,
# --exec-root, socket and pidfile, and a private containerd; the host's
# network untouched (--iptables=false --ip-forward=false --bridge=none,
# --network none); the image imported from the test rootfs; docker's
# prestart hook (libnetwork-setkey) runs as docker gives it.

load helpers
bats_require_minimum_version 1.5.0

DOCKER=/usr/bin/docker # Debian's client, whatever else is on PATH

setup_file() {
	requires dockerd containerd containerd-shim-runc-v2
	[ -x "$DOCKER" ] || skip "docker.io is not installed (tests/deps installs it)"
	# short paths: unix socket names have a 107-byte limit
	export D
	D=$(mktemp -d /tmp/rt-test-docker.XXXXXX)
	# the cgroup parent: one name of ours, nested under our own cgroup
	export CGNAME=rt-test-docker-$$ CGP
	CGP=$(cg_parent "$CGNAME")
	cg_ancestors "$CGP" > "$D/cg.before"
	rootfs_tar "$D"
	netns_list > "$D/netns.before"
	# a private containerd: dockerd would use the host's, if one runs
	mkdir -p "$D/ctrd"
	start_containerd "$D/ctrd"
	dockerd --containerd "$D/ctrd/containerd.sock" --data-root "$D/data" --exec-root "$D/exec" -H "unix://$D/docker.sock" --pidfile "$D/dockerd.pid" \
		--iptables=false --ip-forward=false --ip-masq=false --bridge=none --userland-proxy=false \
		--storage-driver vfs --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "$CGP" \
		--add-runtime "chain=$RUNC" --default-runtime chain \
		--default-ulimit "${ULIMITS% *}" --default-ulimit "${ULIMITS#* }" \
		> "$D/dockerd.log" 2>&1 3>&- &
	echo $! > "$D/pid"
	wait_for test -S "$D/docker.sock"
	wait_for dk version > /dev/null 2>&1
	dk import --change 'CMD ["/bin/sh"]' "$D/rootfs.tar" busybox-chain > /dev/null
}

teardown_file() {
	[ -n "${D:-}" ] || return 0
	dk rm -f $(dk ps -aq 2> /dev/null) > /dev/null 2>&1 || true
	stop_pid "$(cat "$D/pid")"
	stop_pid "$(cat "$D/ctrd/pid")"
	rm_cg_parent "$CGP" "$D/cg.before"
	# the daemons, their shims and their mounts are gone, then their files
	local left=0
	if pgrep -f -- "$D/" > /dev/null; then
		echo "processes left: $(pgrep -f -- "$D/" | tr '\n' ' ')"
		left=1
	fi
	if grep -qF " $D" /proc/self/mountinfo; then
		echo "mounts left under $D"
		return 1
	fi
	rm -rf "$D"
	[ -z "$(cgroups_named "$CGNAME")" ] || left=1
	return $left
}

# a test that failed half-way: its containers go, through the runtime
teardown() {
	dk rm -f $(dk ps -aq 2> /dev/null) > /dev/null 2>&1 || true
}

dk() { # bounded: a hang fails the test instead of holding the whole run
	DOCKER_HOST=unix://$D/docker.sock timeout 120 "$DOCKER" "$@"
}

drun() {
	dk run --runtime chain --network none "$@"
}

IMG=busybox-chain

status_of() { dk inspect --format '{{.State.Status}}' "$1"; }

# gone ID: nothing of one container remains
gone() {
	local id=$1
	[ -z "$(cgroups_named "$id")" ]
	! pgrep -f -- "$id" > /dev/null || return 1
	! grep -q "$id" /proc/self/mountinfo || return 1
	[ -z "$(find "$D/exec" -name "$id" 2> /dev/null)" ]
}

@test "docker: run prints the container's output and returns its exit code" {
	run -3 drun --rm "$IMG" sh -c 'echo hello; exit 3'
	[ "$output" = hello ]
	# the container's cgroup, seen from the host, is under our parent
	local id pid
	id=$(drun -d "$IMG" sleep 1000)
	pid=$(dk inspect --format '{{.State.Pid}}' "$id")
	grep -q "$CGP/$id\$" "/proc/$pid/cgroup"
	# docker's prestart hook ran (the container runs), as docker gave it
	[ "$(jq -r '.hooks.prestart[0].args[0]' "$D/ctrd/state/io.containerd.runtime.v2.task/moby/$id/config.json")" = libnetwork-setkey ]
	dk rm -f "$id" > /dev/null
	gone "$id"
}

@test "docker: a missing command is 127, a non-executable one 126 (runc's wording)" {
	run -127 drun --rm "$IMG" nosuchcommand
	echo "$output"
	[[ "$output" == *'executable file not found in $PATH'* ]]
	run -127 drun --rm "$IMG" /bin/nosuchcommand
	echo "$output"
	[[ "$output" == *'no such file or directory'* ]]
	run -126 drun --rm "$IMG" /etc/passwd
	echo "$output"
	[[ "$output" == *'permission denied'* ]]
}

@test "docker: run with a tty (console socket), user, env, cwd" {
	run timeout 60 script -qec "DOCKER_HOST=unix://$D/docker.sock $DOCKER run --rm -t --runtime chain --network none $IMG sh -c 'tty; exit 2'" /dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == /dev/pts/* ]]
	run drun --rm -u 1000:1000 -e FOO=bar -w /tmp "$IMG" sh -c 'echo $(id -u):$(id -g) $FOO $(pwd)'
	[ "$status" -eq 0 ]
	[ "$output" = "1000:1000 bar /tmp" ]
}

@test "docker: a bind volume, --read-only, --tmpfs and --init" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo from-host > "$BATS_TEST_TMPDIR/vol/f"
	run drun --rm --read-only --tmpfs /scratch -v "$BATS_TEST_TMPDIR/vol:/data" "$IMG" \
		sh -c 'cat /data/f; echo new > /data/g; touch /root/x 2>&1 || echo ro; echo t > /scratch/t && cat /scratch/t'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-host ]
	[ "${lines[-2]}" = ro ]
	[ "${lines[-1]}" = t ]
	[ "$(cat "$BATS_TEST_TMPDIR/vol/g")" = new ]
	# docker-init, bind-mounted by docker, is the container's pid 1
	run drun --rm --init "$IMG" sh -c 'cat /proc/1/cmdline | tr "\\0" " "'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "/sbin/docker-init -- sh -c"* ]]
}

@test "docker: run -d, logs, stop, rm" {
	run drun -d "$IMG" sh -c 'echo line1; echo line2 >&2; exec sleep 1000'
	[ "$status" -eq 0 ]
	local id=$output
	wait_for sh -c "[ \"\$(DOCKER_HOST=unix://$D/docker.sock $DOCKER logs $id 2>&1 | wc -l)\" -eq 2 ]"
	[ "$(status_of "$id")" = running ]
	run dk stop -t 1 "$id"
	[ "$status" -eq 0 ]
	[ "$(status_of "$id")" = exited ]
	[ "$(dk inspect --format '{{.State.ExitCode}}' "$id")" = 137 ]
	run dk rm "$id"
	[ "$status" -eq 0 ]
	gone "$id"
}

@test "docker: kill delivers the signal, wait returns the exit code" {
	run drun -d "$IMG" sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done'
	local id=$output
	run dk kill -s USR1 "$id"
	[ "$status" -eq 0 ]
	run dk wait "$id"
	[ "$output" = 7 ]
	dk rm "$id" > /dev/null
	gone "$id"
}

@test "docker: restart runs the container again" {
	run drun -d "$IMG" sh -c 'echo start; exec sleep 1000'
	local id=$output pid1 pid2
	pid1=$(dk inspect --format '{{.State.Pid}}' "$id")
	run dk restart -t 1 "$id"
	[ "$status" -eq 0 ]
	[ "$(status_of "$id")" = running ]
	pid2=$(dk inspect --format '{{.State.Pid}}' "$id")
	[ "$pid1" != "$pid2" ]
	[ "$(dk logs "$id" | grep -c start)" -eq 2 ]
	dk rm -f "$id" > /dev/null
	gone "$id"
}

# docker's --privileged asks for every capability it knows, whatever the
# host's bounding set: where the set lacks one (some sandboxes drop
# CAP_SYS_RESOURCE), capset fails with runc 1.1 too ("unable to apply caps:
# operation not permitted"), and the failure must then be clean
full_bounding_set() {
	local last
	last=$(cat /proc/sys/kernel/cap_last_cap)
	[ "$(printf '%x' $(((1 << (last + 1)) - 1)))" = "$(awk '/CapBnd/ { sub(/^0+/, "", $2); print $2 }' /proc/self/status)" ]
}

@test "docker: --privileged gets every capability and the host's devices" {
	if ! full_bounding_set; then
		run drun --rm --privileged "$IMG" true
		echo "$output"
		[ "$status" -ne 0 ]
		# runc: "unable to apply caps: operation not permitted"
		[[ "$output" == *"oci-exec: unable to apply caps: capset: operation not permitted"* || "$output" == *"apply caps: operation not permitted"* ]]
		[ -z "$(dk ps -aq)" ]
		[ -z "$(find /sys/fs/cgroup -maxdepth 5 -path "*$CGNAME/*" -type d)" ]
		return
	fi
	run drun --rm --privileged "$IMG" sh -c 'grep CapEff /proc/self/status; ls /dev'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep CapEff <<< "$output" | awk '{print $2}')" = "$(grep CapBnd /proc/self/status | awk '{print $2}')" ]
	grep -qx fuse <<< "$output"
}

@test "docker: --device adds the device node" {
	run drun --rm --device /dev/fuse "$IMG" stat -c '%F %t:%T' /dev/fuse
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file a:e5" ]
}

@test "docker: exec with a tty, user, env, cwd, exit code, detach" {
	run drun -d "$IMG" sleep 1000
	local id=$output
	run -5 dk exec "$id" sh -c 'echo in; exit 5'
	[ "$output" = in ]
	run dk exec -u 1000:1000 -e FOO=bar -w /tmp "$id" sh -c 'echo $(id -u):$(id -g) $FOO $(pwd)'
	[ "$output" = "1000:1000 bar /tmp" ]
	run timeout 60 script -qec "DOCKER_HOST=unix://$D/docker.sock $DOCKER exec -t $id tty" /dev/null
	echo "$output"
	[ "$status" -eq 0 ] # docker got the exit (a hang is 124)
	[[ "$output" == /dev/pts/* ]]
	run dk exec -d "$id" sh -c 'echo detached > /tmp/mark'
	[ "$status" -eq 0 ]
	wait_for sh -c "DOCKER_HOST=unix://$D/docker.sock $DOCKER exec $id cat /tmp/mark 2> /dev/null | grep -q detached"
	# docker maps any failed exec to 126 (it is 127 for run), with runc too
	run -126 dk exec "$id" nosuchcommand
	[[ "$output" == *'exec: "nosuchcommand": executable file not found in $PATH'* ]]
	dk rm -f "$id" > /dev/null
	gone "$id"
}

@test "docker: top lists the container's processes" {
	run drun -d "$IMG" sh -c 'sleep 1000 & exec sleep 999'
	local id=$output
	run dk top "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "sleep 999" <<< "$output"
	grep -q "sleep 1000" <<< "$output"
	dk rm -f "$id" > /dev/null
	gone "$id"
}

@test "docker: pause, unpause, and kill of a paused container" {
	run drun -d "$IMG" sleep 1000
	local id=$output
	run dk pause "$id"
	[ "$status" -eq 0 ]
	[ "$(status_of "$id")" = paused ]
	run dk unpause "$id"
	[ "$status" -eq 0 ]
	[ "$(status_of "$id")" = running ]
	run dk pause "$id"
	[ "$status" -eq 0 ]
	run timeout 20 env DOCKER_HOST="unix://$D/docker.sock" "$DOCKER" kill "$id"
	[ "$status" -eq 0 ]
	run dk wait "$id"
	[ "$output" = 137 ]
	dk rm "$id" > /dev/null
	gone "$id"
}

@test "docker: update changes the container's limits" {
	run drun -d --memory 64m "$IMG" sleep 1000
	local id=$output
	run dk update --memory 128m --memory-swap 256m --cpu-shares 512 --pids-limit 50 "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	run dk exec "$id" sh -c "$CGFILES"
	[ "${lines[0]}" = $((128 << 20)) ]
	[ "${lines[1]}" = 512 ]
	[ "${lines[2]}" = 50 ]
	dk rm -f "$id" > /dev/null
	gone "$id"
}

@test "docker: nothing is left on the host" {
	dk rm -f $(dk ps -aq) > /dev/null 2>&1 || true
	[ -z "$(dk ps -aq)" ]
	# only docker's own parent cgroup, empty
	rm_cgroup_tree $(cgroups_named "$CGNAME")
	[ -z "$(cgroups_named "$CGNAME")" ]
	! grep -qF "$D/data/vfs" /proc/self/mountinfo || return 1
	! grep -qF "$D/ctrd" /proc/self/mountinfo || return 1
	# no runtime state of a container
	[ -z "$(find "$D/exec" -mindepth 3 -maxdepth 3 -path '*runtime-chain*' 2> /dev/null)" ]
	diff <(netns_list) "$D/netns.before"
}
