# helpers.bash: real engines (podman, containerd, docker) driving bin/runc.
# shellcheck disable=SC2034 # ROOT, RUNC, ULIMITS and CGFILES are for the .bats files
# Each file starts its engine once, in setup_file, with private state under
# $BATS_FILE_TMPDIR, and stops it in teardown_file; the tests then check
# that nothing is left on the host.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# CLIENTS_RUNC=/usr/sbin/runc runs the same tests on another runtime, to
# compare (runc 1.1 passes all but what its host refuses it)
RUNC=${CLIENTS_RUNC:-$ROOT/bin/runc}

# requires CMD...: the engine's programs, and root
requires() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	local c
	for c in "$@"; do
		command -v "$c" > /dev/null || skip "$c is not installed (tests/deps installs it)"
	done
}

# rootfs_tar DIR: the test rootfs (tests/mkrootfs.sh, busybox and the probe)
# as DIR/rootfs.tar, the "image" every engine imports
rootfs_tar() {
	"$ROOT/tests/mkrootfs.sh" "$1" > /dev/null
	tar -C "$1/rootfs" -cf "$1/rootfs.tar" .
	rm -rf "$1/rootfs"
}

# rlimits every engine's container gets: podman asks for nofile and nproc
# of 1048576 (or its own hard limit), above the hard limits conmon runs
# with in some sandboxes; raising a hard limit needs CAP_SYS_RESOURCE, and
# without it runc 1.1 fails exactly like this runtime ("error setting
# rlimit type 7: operation not permitted"). 1024 is below any host's.
ULIMITS="nofile=1024:1024 nproc=1024:1024"

# wait_for TEST...: up to 10 s for the shell test to succeed
wait_for() {
	local _
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*"
	return 1
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s, for a daemon we started
stop_pid() {
	local pid=$1 _
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2> /dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2> /dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2> /dev/null || true
}

# cgroups_named NAME: the cgroup dirs called NAME (or below one) in any hierarchy
cgroups_named() {
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$1" 2> /dev/null
}

# cg_parent NAME: an absolute cgroup parent for an engine that takes only
# absolute ones (podman's and docker's cgroupfs drivers), nested under our
# own cgroup: this shell's memory cgroup is not the root of its hierarchy
# (the other v1 hierarchies have us at the root), and the engine makes the
# same path in every hierarchy. On a pure cgroup v2 host (make test-v2's
# guest) beside our own cgroup, whose processes keep it from delegating
# controllers (the unified hierarchy has no internal processes)
cg_parent() {
	local own
	own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
	if [ -z "$own" ]; then
		own=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
		own=${own%/*}
	fi
	echo "${own%/}/$1"
}

# cg_ancestors PATH: the existing dirs, in any hierarchy, of PATH's ancestors
cg_ancestors() {
	local p=${1%/*} h
	while [ -n "$p" ]; do
		for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
			[ -d "$h${p#/}" ] && echo "$h${p#/}"
		done
		p=${p%/*}
	done
	return 0
}

# rm_cg_parent PATH BEFORE: remove the engine's tree at PATH in every
# hierarchy, then the ancestors it made for it (those not listed in the
# file BEFORE, from cg_ancestors before the engine ran), deepest first
rm_cg_parent() {
	local d
	# shellcheck disable=SC2046 # cgroup paths have no spaces
	rm_cgroup_tree $(cgroups_named "${1##*/}")
	for d in $(cg_ancestors "$1" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-); do
		grep -qxF "$d" "$2" || rmdir "$d" 2> /dev/null || true
	done
}

# rm_cgroup_tree DIR...: remove empty cgroup dirs a test's engine made for
# it under a parent the test named; a populated one stays (and is reported)
rm_cgroup_tree() {
	local d
	for d in "$@"; do
		find "$d" -depth -type d -exec rmdir {} \; 2> /dev/null || true
	done
}

# assert_nothing_left DIR ID...: nothing of the engine's run remains: no
# process with DIR in its command line, no mount under DIR, no cgroup and
# no runtime state dir (in /run/runc or DIR) for the container ids given.
# An engine's own helper may still be on its way out when the engine's
# command returns (conmon after podman rm -f): processes get 5 s to go.
assert_nothing_left() {
	local dir=$1 id p
	shift
	for _ in $(seq 50); do
		pgrep -f -- "$dir" > /dev/null || break
		sleep 0.1
	done
	if p=$(pgrep -f -- "$dir"); then
		echo "processes left: $(echo "$p" | tr '\n' ' ')"
		ps -o pid,args -p "$(echo "$p" | paste -sd,)" || true
		return 1
	fi
	if grep -F " $dir" /proc/self/mountinfo; then
		echo "mounts left under $dir"
		return 1
	fi
	for id in "$@"; do
		if [ -n "$(cgroups_named "*$id*")" ]; then
			echo "cgroups left for $id: $(cgroups_named "*$id*")"
			return 1
		fi
		if [ -e "/run/runc/$id" ] || find "$dir" -maxdepth 4 -type d -name "$id" -path '*runc*' 2> /dev/null | grep -q .; then
			echo "runtime state left for $id"
			return 1
		fi
	done
}

# start_containerd DIR: a private containerd (root, state, sockets, its
# pid in DIR/pid), no CRI plugin, nothing of the host's configuration; it
# answers on DIR/containerd.sock when this returns
start_containerd() {
	local c=$1
	cat > "$c/config.toml" <<-CONF
		version = 2
		root = "$c/root"
		state = "$c/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.devmapper"]
		[grpc]
		  address = "$c/containerd.sock"
		[ttrpc]
		  address = "$c/containerd.sock.ttrpc"
		[debug]
		  address = "$c/debug.sock"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$c/opt"
	CONF
	containerd --config "$c/config.toml" > "$c/containerd.log" 2>&1 3>&- &
	echo $! > "$c/pid"
	wait_for test -S "$c/containerd.sock"
	wait_for ctr --address "$c/containerd.sock" version > /dev/null 2>&1
}

# netns_list: the host's /run/netns entries (compared before and after)
netns_list() {
	ls /run/netns 2> /dev/null || true
}

# CGFILES: a shell snippet, run in a container, printing its memory limit,
# cpu shares and pids limit, from cgroup v1 or v2 files (v2's cpu.weight
# 20 is shares 512, converted as runc does)
CGFILES='if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max
else
	cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/pids.max | sed "2s/^20\$/512/"
fi'
