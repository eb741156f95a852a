# shellcheck shell=bash disable=SC2034 # IMG is for the .bats files
# podman.bash: a private podman for a tests/clients file (load helpers
# first): podman_setup in setup_file makes the image, podman_teardown in
# teardown_file removes every container and pod; pm and prun run podman.

# podman_setup: the file's podman: $P (its root, runroot, tmpdir, events),
# $CGP (a cgroup parent of ours), a containers.conf naming this runtime,
# the image $IMG imported from the test rootfs
podman_setup() {
	export P=$BATS_FILE_TMPDIR/podman
	mkdir -p "$P"
	rootfs_tar "$P"
	# the cgroup parent: one name of ours, nested under our own cgroup
	export CGNAME=rt-test-podman-$$ CGP
	CGP=$(cg_parent "$CGNAME")
	cg_ancestors "$CGP" > "$P/cg.before"
	cat > "$P/containers.conf" <<-CONF
		[containers]
		default_ulimits = ["${ULIMITS% *}", "${ULIMITS#* }"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$P/events.log"
		runtime = "chain"
		[engine.runtimes]
		chain = ["$RUNC"]
	CONF
	netns_list > "$P/netns.before"
	# podman gives the runtime no --root in its cleanup: runc's default it is
	ls /run/runc > "$P/runc.before" 2> /dev/null || true
	pm import --change 'CMD ["/bin/sh"]' "$P/rootfs.tar" "$IMG" > /dev/null
}

podman_teardown() {
	[ -n "${P:-}" ] || return 0
	pm pod rm -af > /dev/null 2>&1 || true
	pm rm -af > /dev/null 2>&1 || true
	rm_cg_parent "$CGP" "$P/cg.before"
}

# pm ARGS...: this file's podman
pm() { # bounded: a hang fails the test instead of holding the whole run
	CONTAINERS_CONF=$P/containers.conf timeout 120 podman --root "$P/root" --runroot "$P/runroot" --tmpdir "$P/tmp" \
		--storage-driver vfs --runtime "$RUNC" --cgroup-manager cgroupfs --events-backend file "$@"
}

# prun ARGS...: podman run with this file's network and cgroup parent
prun() {
	pm run --network none --cgroup-parent "$CGP" "$@"
}

IMG=localhost/busybox-chain

# started NAME: the container's full id, once podman says it runs
cid() { pm inspect --format '{{.Id}}' "$1"; }
status_of() { pm inspect --format '{{.State.Status}}' "$1"; }

# podman_left_nothing: once every container and pod is removed: no process,
# mount, cgroup, runtime state dir or netns of the file's podman remains
podman_left_nothing() {
	assert_nothing_left "$P/runroot"
	# no container's cgroup remains under our parent; podman's own (conmon) ones are empty
	# shellcheck disable=SC2046 # cgroup paths have no spaces
	rm_cgroup_tree $(cgroups_named "$CGNAME")
	[ -z "$(cgroups_named "$CGNAME")" ]
	# no runtime state dir of any container of this file, failed ones included
	diff <(ls /run/runc 2> /dev/null) "$P/runc.before"
	diff <(netns_list) "$P/netns.before"
}
