#!/usr/bin/env bats
# podman 4.3 (through conmon) drives bin/runc: private --root, --runroot and
# --tmpdir, a local busybox image imported from the test rootfs (no
# registry), --network none, the cgroupfs manager under a cgroup parent of
# our own, events in a file. The runtime's state is in runc's default
# /run/runc: podman passes --runtime-flag options to create and start but
# not to the `delete` of its exit command, so a private --root would leak. podman has no daemon: setup_file makes the
# image, teardown_file removes every container and pod and checks the host.

load helpers
load podman
bats_require_minimum_version 1.5.0

setup_file() {
	requires podman conmon
	podman_setup
}

teardown_file() {
	podman_teardown
}

@test "podman: run prints the container's output and returns its exit code" {
	run prun --rm "$IMG" sh -c 'echo hello from $(hostname); exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == "hello from "* ]]
	# the container's cgroup, seen from the host, is under our parent
	local id pid
	id=$(prun -d "$IMG" sleep 1000)
	pid=$(pm inspect --format '{{.State.Pid}}' "$id")
	grep -q "$CGP/libpod-$id\$" "/proc/$pid/cgroup"
	pm rm -f -t 0 "$id" > /dev/null
}

@test "podman: a missing command is 127 and a non-executable one 126, from runc's wording" {
	run -127 prun --rm "$IMG" nosuchcommand
	echo "$output"
	[ "$status" -eq 127 ]
	[[ "$output" == *'executable file not found in $PATH'* ]]
	run -126 prun --rm "$IMG" /etc/passwd
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *'permission denied'* ]]
}

@test "podman: run with a tty (console socket), user, env, cwd" {
	run timeout 60 script -qec "CONTAINERS_CONF=$P/containers.conf podman --root $P/root --runroot $P/runroot --tmpdir $P/tmp --storage-driver vfs --runtime $RUNC --cgroup-manager cgroupfs --events-backend file run --rm -t --network none --cgroup-parent $CGP $IMG sh -c 'tty; exit 2'" /dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == /dev/pts/* ]]
	run prun --rm -u 1000:1000 -e FOO=bar -w /tmp "$IMG" sh -c 'echo $(id -u):$(id -g) $FOO $(pwd)'
	[ "$status" -eq 0 ]
	[ "$output" = "1000:1000 bar /tmp" ]
}

@test "podman: a bind volume, --read-only and --tmpfs" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo from-host > "$BATS_TEST_TMPDIR/vol/f"
	run prun --rm --read-only --tmpfs /scratch -v "$BATS_TEST_TMPDIR/vol:/data" "$IMG" \
		sh -c 'cat /data/f; echo new > /data/g; touch /root/x 2>&1 || echo ro; echo t > /scratch/t && cat /scratch/t'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-host ]
	[ "${lines[-2]}" = ro ]
	[ "${lines[-1]}" = t ]
	[ "$(cat "$BATS_TEST_TMPDIR/vol/g")" = new ]
}

@test "podman: run -d, logs, stop, rm" {
	run prun -d --name logs1 "$IMG" sh -c 'echo line1; echo line2 >&2; exec sleep 1000'
	[ "$status" -eq 0 ]
	local id=$output
	wait_for sh -c "[ \"\$(CONTAINERS_CONF=$P/containers.conf podman --root $P/root --runroot $P/runroot --tmpdir $P/tmp --storage-driver vfs logs logs1 2>&1 | wc -l)\" -eq 2 ]"
	run pm logs logs1
	[ "$status" -eq 0 ]
	[[ "$output" == *line1* && "$output" == *line2* ]]
	[ "$(status_of logs1)" = running ]
	[ -d "/run/runc/$id" ]
	run pm stop -t 1 logs1
	[ "$status" -eq 0 ]
	[ "$(status_of logs1)" = exited ]
	run pm rm logs1
	[ "$status" -eq 0 ]
	assert_nothing_left "$P/runroot/vfs-containers/$id" "$id"
}

@test "podman: kill delivers the signal, wait returns the exit code" {
	prun -d --name kill1 "$IMG" sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done' > /dev/null
	local id
	id=$(cid kill1)
	run pm kill -s USR1 kill1
	[ "$status" -eq 0 ]
	run pm wait kill1
	[ "$output" = 7 ]
	prun -d --name kill2 "$IMG" sleep 1000 > /dev/null
	run pm kill kill2
	[ "$status" -eq 0 ]
	run pm wait kill2
	[ "$output" = 137 ]
	pm rm kill1 kill2 > /dev/null
	assert_nothing_left "$P/runroot/vfs-containers/$id" "$id"
}

@test "podman: restart runs the container again" {
	prun -d --name re1 "$IMG" sh -c 'echo start; exec sleep 1000' > /dev/null
	local pid1 pid2
	pid1=$(pm inspect --format '{{.State.Pid}}' re1)
	run pm restart -t 1 re1
	[ "$status" -eq 0 ]
	[ "$(status_of re1)" = running ]
	pid2=$(pm inspect --format '{{.State.Pid}}' re1)
	[ "$pid1" != "$pid2" ]
	wait_for sh -c "[ \"\$(CONTAINERS_CONF=$P/containers.conf podman --root $P/root --runroot $P/runroot --tmpdir $P/tmp --storage-driver vfs logs re1 | grep -c start)\" -eq 2 ]"
	pm rm -f -t 0 re1 > /dev/null
}

@test "podman: --privileged gets every capability and the host's devices" {
	run prun --rm --privileged "$IMG" sh -c 'grep CapEff /proc/self/status; ls /dev'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep CapEff <<< "$output" | awk '{print $2}')" = "$(grep CapBnd /proc/self/status | awk '{print $2}')" ]
	grep -qx fuse <<< "$output"
}

@test "podman: --device adds the device node, with podman's fileMode" {
	run prun --rm --device /dev/fuse "$IMG" stat -c '%F %t:%T' /dev/fuse
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "character special file a:e5" ]
	# what podman sends: the file type bits in fileMode (S_IFCHR|0600 here)
	local id
	id=$(prun -d --device /dev/fuse "$IMG" sleep 1000)
	[ "$(jq '.linux.devices[] | select(.path == "/dev/fuse") | .fileMode' "$P/root/vfs-containers/$id/userdata/config.json")" = $((8192 + 0600)) ]
	pm rm -f -t 0 "$id" > /dev/null
}

@test "podman: a pod's containers share its infra container's namespaces" {
	run pm pod create --network none --cgroup-parent "$CGP" --name pod1
	[ "$status" -eq 0 ]
	pm run -d --pod pod1 --name inpod1 "$IMG" sleep 1000 > /dev/null
	local infra ipid cpid n
	infra=$(pm pod inspect --format '{{.InfraContainerID}}' pod1)
	ipid=$(pm inspect --format '{{.State.Pid}}' "$infra")
	cpid=$(pm inspect --format '{{.State.Pid}}' inpod1)
	for n in net ipc uts; do
		[ "$(readlink "/proc/$ipid/ns/$n")" = "$(readlink "/proc/$cpid/ns/$n")" ]
	done
	[ "$(readlink "/proc/$ipid/ns/pid")" != "$(readlink "/proc/$cpid/ns/pid")" ]
	# a second member sees the same namespaces from inside
	run pm run --rm --pod pod1 "$IMG" sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink "/proc/$cpid/ns/net" "/proc/$cpid/ns/ipc" "/proc/$cpid/ns/uts")" ]
	run pm pod rm -f -t 0 pod1
	[ "$status" -eq 0 ]
	assert_nothing_left "$P/runroot/vfs-containers/$infra" "$infra"
}

@test "podman: exec into a pod's container shares the pod's namespaces" {
	run pm pod create --network none --cgroup-parent "$CGP" --name pod2
	[ "$status" -eq 0 ]
	pm run -d --pod pod2 --name inpod2 "$IMG" sleep 1000 > /dev/null
	run pm run --rm --pod pod2 "$IMG" sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname'
	[ "$status" -eq 0 ]
	local mine=$output
	run pm exec inpod2 sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname'
	[ "$status" -eq 0 ]
	[ "$output" = "$mine" ]
	pm pod rm -f -t 0 pod2 > /dev/null
}

@test "podman: exec with a tty, user, env, cwd, exit code" {
	prun -d --name ex1 "$IMG" sleep 1000 > /dev/null
	run pm exec ex1 sh -c 'echo in; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in ]
	run pm exec -u 1000:1000 ex1 sh -c 'echo $(id -u):$(id -g)'
	[ "$output" = "1000:1000" ]
	run pm exec -e FOO=bar -w /tmp ex1 sh -c 'echo $FOO $(pwd)'
	[ "$output" = "bar /tmp" ]
	run pm exec -t ex1 sh -c 'tty; stty size'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == /dev/pts/* ]]
	run -127 pm exec ex1 nosuchcommand
	[ "$status" -eq 127 ]
	pm rm -f -t 0 ex1 > /dev/null
}

@test "podman: exec --detach and --preserve-fds" {
	prun -d --name ex2 "$IMG" sleep 1000 > /dev/null
	run pm exec -d ex2 sh -c 'echo detached > /tmp/mark'
	[ "$status" -eq 0 ]
	wait_for sh -c "CONTAINERS_CONF=$P/containers.conf podman --root $P/root --runroot $P/runroot --tmpdir $P/tmp --storage-driver vfs exec ex2 cat /tmp/mark 2> /dev/null | grep -q detached"
	echo preserved > "$BATS_TEST_TMPDIR/fd3"
	run pm exec --preserve-fds 1 ex2 cat /proc/self/fd/3 3< "$BATS_TEST_TMPDIR/fd3"
	[ "$status" -eq 0 ]
	[ "$output" = preserved ]
	pm rm -f -t 0 ex2 > /dev/null
}

@test "podman: top lists the container's processes" {
	prun -d --name top1 "$IMG" sh -c 'sleep 1000 & exec sleep 999' > /dev/null
	run pm top top1 pid args
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "sleep 999" <<< "$output"
	grep -q "sleep 1000" <<< "$output"
	pm rm -f -t 0 top1 > /dev/null
}

@test "podman: pause and unpause" {
	prun -d --name pa1 "$IMG" sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/tick; sleep 0.05; done' > /dev/null
	run pm pause pa1
	[ "$status" -eq 0 ]
	[ "$(status_of pa1)" = paused ]
	local id a b
	id=$(cid pa1)
	[ "$("$RUNC" state "$id" | jq -r .status)" = paused ]
	run pm unpause pa1
	[ "$status" -eq 0 ]
	[ "$(status_of pa1)" = running ]
	a=$(pm exec pa1 cat /tmp/tick)
	sleep 0.3
	b=$(pm exec pa1 cat /tmp/tick)
	[ "$a" != "$b" ]
	pm rm -f -t 0 pa1 > /dev/null
}

@test "podman: kill of a paused container, then rm" {
	prun -d --name pa2 "$IMG" sleep 1000 > /dev/null
	local id
	id=$(cid pa2)
	run pm pause pa2
	[ "$status" -eq 0 ]
	run timeout 20 podman --root "$P/root" --runroot "$P/runroot" --tmpdir "$P/tmp" --storage-driver vfs \
		--runtime "$RUNC" --cgroup-manager cgroupfs --events-backend file kill pa2
	[ "$status" -eq 0 ]
	run pm wait pa2
	[ "$output" = 137 ]
	run pm rm pa2
	[ "$status" -eq 0 ]
	assert_nothing_left "$P/runroot/vfs-containers/$id" "$id"
}

@test "podman: update changes the container's cgroup limits" {
	prun -d --name up1 --memory 64m "$IMG" sleep 1000 > /dev/null
	run pm update --memory 128m --cpu-shares 512 up1
	echo "$output"
	[ "$status" -eq 0 ]
	run pm exec up1 sh -c "$CGFILES"
	[ "${lines[0]}" = $((128 << 20)) ]
	[ "${lines[1]}" = 512 ]
	pm rm -f -t 0 up1 > /dev/null
}

@test "podman: nothing is left on the host" {
	pm pod rm -af > /dev/null
	pm rm -af > /dev/null
	run pm ps -aq
	[ -z "$output" ]
	podman_left_nothing
}
