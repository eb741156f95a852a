# helpers.bash: end-to-end tests through bin/runc, in the style of runc's
# own bats suite (setup_bundle, update_config, runc). Every test gets its
# own --root and a unique container id; teardown checks nothing is left.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RUNC=$ROOT/bin/runc

requires_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

# one busybox rootfs per test file, shared read-only by its tests
shared_rootfs() {
	local d=$BATS_FILE_TMPDIR/base
	[ -d "$d/rootfs" ] || "$ROOT/tests/mkrootfs.sh" "$d" >/dev/null
	echo "$d/rootfs"
}

# setup_bundle: $BUNDLE with today's default config.json (from `runc spec`),
# terminal off, the shared rootfs; $ID unique; $STATE the test's --root
setup_bundle() {
	requires_root
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	STATE=$BATS_TEST_TMPDIR/state
	ID=rt-test-$$-$BATS_TEST_NUMBER
	mkdir -p "$BUNDLE"
	(cd "$BUNDLE" && "$RUNC" spec)
	update_config ".root.path = \"$(shared_rootfs)\" | .process.terminal = false"
	cd "$BUNDLE" || return 1
}

# update_config JQ: edit the bundle's config.json in place
update_config() {
	jq "$1" "$BUNDLE/config.json" > "$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process
set_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	update_config ".process.args = $json"
}

# runc ARGS...: bin/runc with the test's state dir
runc() {
	"$RUNC" --root "$STATE" "$@"
}

# the container's cgroup dir in a v1 hierarchy, nested under our own
own_cgroup_dir() {
	local ctrl=$1 own
	own=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
	echo "/sys/fs/cgroup/$ctrl${own%/}/$ID"
}

# nothing of the test's container remains: state dir, cgroups, processes
assert_clean() {
	[ ! -e "$STATE/$ID" ] || { echo "state dir left: $STATE/$ID"; return 1; }
	local d
	if cgroup_v2; then # the whole unified tree (the guest's is small)
		d=$(find /sys/fs/cgroup -type d -name "$ID" 2>/dev/null)
		[ -z "$d" ] || { echo "cgroup left: $d"; return 1; }
	else
		for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
			if find "$d" -maxdepth 3 -type d -name "$ID" 2>/dev/null | grep -q .; then
				echo "cgroup left in $d"
				return 1
			fi
		done
	fi
	if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
		echo "mount left"
		return 1
	fi
}

teardown_bundle() {
	[ -n "${ID:-}" ] || return 0
	# a test that failed half-way: remove what it left, then report it
	if [ -e "$STATE/$ID" ]; then
		"$ROOT/bin/oci-delete" --force --root "$STATE" "$ID" || true
	fi
}

# start_bg ARGS...: "runc --root $STATE ARGS" in the background, its pid in
# $BG and its output in $BATS_TEST_TMPDIR/out; returns once the container
# printed "ready" (bats' fd 3 closed, or bats would wait for it)
start_bg() {
	"$RUNC" --root "$STATE" "$@" > "$BATS_TEST_TMPDIR/out" 3>&- &
	export BG=$!
	local _
	# up to 30 s: a run under qemu TCG with a systemd scope takes seconds
	for _ in $(seq 300); do
		grep -q ready "$BATS_TEST_TMPDIR/out" && return 0
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.1
	done
	grep -q ready "$BATS_TEST_TMPDIR/out" && return 0 # it said so, then went
	echo "the container never said ready: $(cat "$BATS_TEST_TMPDIR/out")"
	return 1
}

# create ARGS...: "runc create" with the container's stdio on files, not on
# bats' pipes (a created container keeps them open); sets $status and
# $output (what create printed on stderr) like bats' run
create() {
	local out=$BATS_TEST_TMPDIR/container
	export status=0
	"$RUNC" --root "$STATE" create "$@" < /dev/null > "$out.out" 2> "$out.err" 3>&- || status=$?
	export output
	output=$(cat "$out.err")
	# and its lines, as bats' run sets them
	# shellcheck disable=SC2034 # read by the tests
	mapfile -t lines <<< "$output"
}

# ---- which cgroup layout this host has (tests say which one they need) ----
# A test that applies to one layout only says so with requires_cgroup_v1 or
# requires_cgroup_v2 and has a twin for the other: none is skipped on both
# the host (v1 hybrid) and the make test-v2 guest (pure v2).

# cgroup_v2: true on a pure cgroup v2 host (/sys/fs/cgroup is cgroup2)
cgroup_v2() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}
requires_cgroup_v1() {
	! cgroup_v2 || skip "needs cgroup v1 controllers (this host is pure cgroup v2)"
}
requires_cgroup_v2() {
	cgroup_v2 || skip "needs a pure cgroup v2 host (run it with make test-v2)"
}
# cg_parent: where a relative cgroupsPath goes on a pure v2 host: as runc
# (fs2's defaultDirPath), under the parent of the caller's cgroup (the
# caller's own has processes, so it cannot delegate controllers)
cg_parent() {
	local own
	own=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
	own=${own%/*}
	echo "/sys/fs/cgroup$own"
}
# cg_dir CTRL: the container's ($ID's) cgroup dir that holds controller
# CTRL: the v1 hierarchy's on v1 and hybrid hosts, the unified one on v2
cg_dir() {
	if cgroup_v2; then
		echo "$(cg_parent)/$ID"
	else
		own_cgroup_dir "$1"
	fi
}

# cg_freeze 1|0: freeze or thaw the container's cgroup behind runc's back
# (the v1 freezer's freezer.state, cgroup.freeze on v2)
cg_freeze() {
	local d
	d=$(cg_dir freezer)
	if cgroup_v2; then
		echo "$1" > "$d/cgroup.freeze"
	elif [ "$1" = 1 ]; then
		echo FROZEN > "$d/freezer.state"
	else
		echo THAWED > "$d/freezer.state"
	fi
}

# cg_frozen: the container's cgroup is frozen (every process stopped)
cg_frozen() {
	local d
	d=$(cg_dir freezer)
	if cgroup_v2; then
		grep -qx 'frozen 1' "$d/cgroup.events"
	else
		[ "$(cat "$d/freezer.state")" = FROZEN ]
	fi
}

# userns [NAMESPACES_JQ]: a user namespace with root mapped to host uid/gid
# 200000, no cgroup mount (a v1 cgroupfs cannot be mounted there), and the
# rootfs made reachable for that uid (bats' own tmp dirs are 0700).
# NAMESPACES_JQ replaces the default '.linux.namespaces += [{"type": "user"}]'.
userns() {
	local ns='.linux.namespaces += [{"type": "user"}]'
	[ $# -eq 0 ] || ns=$1
	update_config "$ns"'
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
	local d
	d=$(shared_rootfs)
	while [ "$d" != / ] && [ "${d#"$BATS_RUN_TMPDIR"}" != "$d" ]; do
		chmod o+x "$d"
		d=${d%/*}
	done
	chmod o+x "$BATS_RUN_TMPDIR"
}

# podman's default profile, converted as podman hands it to the runtime:
# the rules whose includes/excludes fit amd64 and the container's caps
podman_profile() {
	local caps=$1
	jq --argjson caps "$caps" '
		def fits: ((.includes.arches // []) as $a | $a == [] or ($a | index("amd64")))
			and ((.includes.caps // []) | all(.[]; . as $c | $caps | index($c)))
			and ((.excludes.arches // []) | index("amd64") | not)
			and ((.excludes.caps // []) | all(.[]; . as $c | $caps | index($c) | not));
		{defaultAction, defaultErrnoRet,
		 architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64") | .architecture, .subArchitectures[]],
		 syscalls: [.syscalls[] | select(fits) | {names, action}
			+ (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]}' \
		/usr/share/containers/seccomp.json
}

# criu: CRIU_WHY is empty when criu is installed and `criu check` passes
# here (in its own session, as criu wants); else why not. Cached per file.
criu_probe() {
	local f=$BATS_FILE_TMPDIR/criu-check
	if [ ! -e "$f" ]; then
		if ! command -v criu >/dev/null; then
			echo "criu is not installed" >"$f"
		elif ! setsid -w criu check >"$f.out" 2>&1; then
			echo "criu check fails here: $(grep -m1 -o 'Error (.*' "$f.out" || tail -n1 "$f.out")" >"$f"
		else
			: >"$f"
		fi
	fi
	CRIU_WHY=$(cat "$f")
}
# requires_criu: skip where criu cannot checkpoint (this host's kernel; the
# guest, make test-v2, has it)
requires_criu() {
	criu_probe
	[ -z "$CRIU_WHY" ] || skip "$CRIU_WHY (run it with make test-v2)"
}
# requires_broken_criu: criu is installed but cannot run here (the host's
# kernel): the commands must fail with criu's own reason
requires_broken_criu() {
	command -v criu >/dev/null || skip "criu is not installed"
	criu_probe
	[ -n "$CRIU_WHY" ] || skip "criu works here: its failure path is tested on a host where it cannot run"
}
# setup_pipes: the container's stdio on three pipes (as runc's checkpoint
# tests do: a host file on stdio is an external criu must be told about).
# Sets IN_W (write to the container's stdin), OUT_R (its stdout and stderr).
setup_pipes() {
	exec {PIPE_IN}<> <(:) {PIPE_OUT}<> <(:)
	# shellcheck disable=SC2034 # read by the tests
	IN_W=$PIPE_IN OUT_R=$PIPE_OUT
}
# console_receiver SOCK OUT WORD...: a --console-socket receiver in the
# background (its pid in CONSOLE_PID). For each WORD it takes one pty
# master, types WORD and a newline into it and copies what comes back to
# OUT until no slave is open. Returns once SOCK listens.
console_receiver() {
	command -v python3 >/dev/null || skip "needs python3"
	local sock=$1 out=$2 i
	shift 2
	python3 - "$sock" "$@" >"$out" 3>&- <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(len(sys.argv) - 2)
for word in sys.argv[2:]:
    c, _ = s.accept()
    m = socket.recv_fds(c, 100, 1)[1][0]
    c.close()
    os.write(m, word.encode() + b"\n")
    while True:
        try:
            b = os.read(m, 100)
        except OSError:
            break
        if not b:
            break
        sys.stdout.write(b.decode()); sys.stdout.flush()
    os.close(m)
PY
	# shellcheck disable=SC2034 # read by the tests
	CONSOLE_PID=$!
	for i in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	echo "console receiver: $sock not made in ${i}x0.1 s"
	return 1
}
