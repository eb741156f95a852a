#!/usr/bin/env bats
# The example shell stages (stages/examples/): oci-policy, oci-audit and
# oci-inject, through runc with a chain file ($RUNC_CHAIN) and in chains
# composed by hand: what each does, each refusal (its line, runc's exit 1,
# nothing left), the exec chain, the usage lines against the man pages.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_bundle
	# a seccomp profile: oci-policy refuses a config without one
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}'
	unset RUNC_CHAIN
	RUNC_CHAIN_SET=
}

teardown() {
	[ -z "${SYSLOGD:-}" ] || kill "$SYSLOGD" 2> /dev/null || true
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" > /dev/null 2>&1
	teardown_bundle
}

# chain RUN-STAGES [EXEC-STAGES]: a chain file with those lines as $RUNC_CHAIN
chain() {
	{
		echo "run $1"
		[ $# -lt 2 ] || echo "exec $2"
	} > "$BATS_TEST_TMPDIR/chain"
	export RUNC_CHAIN=$BATS_TEST_TMPDIR/chain
}

# a running container (sleep 1000), made through the chain file
up() {
	set_args sleep 1000
	create "$ID"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	runc start "$ID"
}

# syslogd SOCKET FILE: a unix datagram socket whose first message goes to
# FILE, in the background ($SYSLOGD, 20 s at most); returns once it listens
syslogd() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
open(sys.argv[2], "wb").write(s.recv(1 << 20))' "$1" "$2" 3>&- &
	SYSLOGD=$!
	local _
	for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done
	echo "nothing listens on $1"
	return 1
}

synopsis() {
	LC_ALL=C MANWIDTH=1000 man -l "$1" 2> /dev/null | sed -n '/^SYNOPSIS/{n;p}' | sed 's/^ *//;s/  */ /g'
}

@test "examples: each prints its man page's SYNOPSIS as usage and exits 100; installed next to the programs" {
	local n
	for n in oci-audit oci-policy oci-inject; do
		[ -x "$ROOT/bin/$n" ]
		run "$ROOT/bin/$n" 3<&-
		[ "$status" -eq 100 ]
		[ "$output" = "$n: usage: $(synopsis "$ROOT/man/$n.8")" ] || {
			echo "'$output' vs '$(synopsis "$ROOT/man/$n.8")'"
			return 1
		}
		# a program but no spec on fd 3
		run -111 "$ROOT/bin/$n" true 3<&-
		[ "$output" = "$n: read spec from fd 3: not open" ]
	done
	run -0 make -s -C "$ROOT" install PREFIX=/opt/rt DESTDIR="$BATS_TEST_TMPDIR/dest"
	for n in oci-audit oci-policy oci-inject oci-stage.sh; do
		[ -x "$BATS_TEST_TMPDIR/dest/opt/rt/libexec/runc/$n" ] || { echo "$n not installed"; return 1; }
	done
	[ -f "$BATS_TEST_TMPDIR/dest/opt/rt/share/man/man8/oci-policy.8" ]
	# the installed runc finds them by name, without the checkout on PATH
	chain "oci-policy oci-inject --env=WHERE=installed oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	set_args sh -c 'echo $WHERE'
	run -0 env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$BATS_TEST_TMPDIR/dest/opt/rt/bin/runc" --root "$STATE" run "$ID"
	[ "$output" = installed ]
	assert_clean
}

@test "oci-policy: a config within the policy runs; each refusal is one line, runc exits 1, nothing is left" {
	chain "oci-policy oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	set_args echo ran
	run -0 runc --debug --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$ID"
	[ "$output" = ran ]
	# --debug: its start and done lines, between oci-parse's and oci-secure's
	[ "$(jq -r '.msg | select(test("^oci-(parse|policy|secure): (start|done)")) | sub(" wall=.*"; "")' \
		"$BATS_TEST_TMPDIR/log.json")" = "$(printf '%s\n' 'oci-parse: start' 'oci-parse: done' \
		'oci-policy: start' 'oci-policy: done' 'oci-secure: start' 'oci-secure: done')" ]
	jq -r .msg "$BATS_TEST_TMPDIR/log.json" | grep -Eq '^oci-policy: done wall=[0-9]+\.[0-9]{3}ms cpu=[0-9]+\.[0-9]{3}ms$'
	# a bind mount of the host's /
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	update_config '.mounts += [{"destination": "/host", "type": "bind", "source": "/", "options": ["rbind", "ro"]}]'
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: mount /host: source / is the host's / (--allow-host-root allows it)" ]
	assert_clean
	# the same through create: no state dir, no cgroup
	create "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-policy: mount /host: source / is the host's / (--allow-host-root allows it)" ]
	assert_clean
	# CAP_SYS_ADMIN, by default, in any one set
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	update_config '.process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: capability CAP_SYS_ADMIN in the permitted set is denied by policy (--deny-cap)" ]
	assert_clean
	# no seccomp profile
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	update_config 'del(.linux.seccomp)'
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: no seccomp profile (linux.seccomp) is refused by policy (--allow-no-seccomp allows it)" ]
	assert_clean
	# run -d: the same, and nothing kept
	run -1 runc run -d "$ID"
	[ "$output" = "oci-policy: no seccomp profile (linux.seccomp) is refused by policy (--allow-no-seccomp allows it)" ]
	assert_clean
}

@test "oci-policy: the host's / behind a symlink whose name has a blank, as root.path too; the options allow or change each check" {
	ln -s / "$BATS_TEST_TMPDIR/the root"
	update_config '.mounts += [{"destination": "/h", "type": "none", "source": "'"$BATS_TEST_TMPDIR"'/the root", "options": ["bind"]}]'
	chain "oci-policy oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	set_args echo ran
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: mount /h: source ${BATS_TEST_TMPDIR}/the\\040root is the host's / (--allow-host-root allows it)" ]
	assert_clean
	# a mount of another kind with / as its source is not a bind of the host's /
	update_config '.mounts |= map(select(.destination != "/h"))
		| .mounts += [{"destination": "/t", "type": "tmpfs", "source": "/", "options": ["nosuid"]}]'
	run -0 runc run "$ID"
	[ "$output" = ran ]
	chain "oci-policy --allow-host-root --deny-cap=CAP_NET_RAW --deny-cap=CAP_KILL oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	update_config '.mounts += [{"destination": "/h", "type": "bind", "source": "/", "options": ["rbind", "ro"]}]
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]'
	set_args sh -c 'test -d /h/proc/1 && echo ran'
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: capability CAP_KILL in the bounding set is denied by policy (--deny-cap)" ]
	assert_clean
	chain "oci-policy --allow-host-root --deny-cap=none --allow-no-seccomp oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	update_config 'del(.linux.seccomp)'
	run -0 runc run "$ID"
	[ "$output" = ran ] # CAP_SYS_ADMIN, the host's / and no seccomp, all allowed
	assert_clean
	# the container's root is the host's / (by hand: nothing is made before it)
	update_config '.root.path = "/"'
	run -100 "$ROOT/bin/oci-parse" --bundle=. --id="$ID" oci-policy --deny-cap=none --allow-no-seccomp true
	[ "$output" = "oci-policy: root.path /: the container's root is the host's / (--allow-host-root allows it)" ]
	# a bad option is refused, and tears down like any refusal
	chain "oci-policy --deny-cap=sys_admin oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	run -1 runc run "$ID"
	[ "$output" = "oci-policy: --deny-cap=sys_admin: not a capability name (CAP_SYS_ADMIN, ...)" ]
	assert_clean
}

@test "oci-policy: in the exec chain an exec with a denied capability is refused and the container stays" {
	chain "oci-policy oci-secure oci-cgroup oci-ns oci-mount oci-exec" "oci-policy oci-secure oci-cgroup oci-ns oci-exec"
	up
	run -0 runc exec "$ID" echo exec-ok
	[ "$output" = exec-ok ]
	run -255 runc exec --cap CAP_SYS_ADMIN "$ID" echo no
	[ "$output" = "oci-policy: capability CAP_SYS_ADMIN in the bounding set is denied by policy (--deny-cap)" ]
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	runc delete --force "$ID"
	assert_clean
}

@test "oci-policy by hand: 100 without a state dir; with --root the state dir goes; a next stage not found is 127 and tears down" {
	update_config '.mounts += [{"destination": "/host", "type": "bind", "source": "/", "options": ["rbind"]}]'
	run -100 "$ROOT/bin/oci-parse" --bundle=. --id="$ID" oci-policy oci-secure oci-cgroup oci-ns oci-mount oci-exec
	[ "$output" = "oci-policy: mount /host: source / is the host's / (--allow-host-root allows it)" ]
	run -100 "$ROOT/bin/oci-parse" --bundle=. --root="$STATE" --id="$ID" oci-policy oci-secure oci-cgroup oci-ns oci-mount oci-exec
	[ "$output" = "oci-policy: mount /host: source / is the host's / (--allow-host-root allows it)" ]
	[ ! -e "$STATE/$ID" ]
	run -127 "$ROOT/bin/oci-parse" --bundle=. --root="$STATE" --id="$ID" oci-policy --allow-host-root no-such-stage
	[ "$output" = "oci-policy: exec no-such-stage: No such file or directory" ]
	assert_clean
	# found in the stage directory (fd.stagedir), not on PATH
	[[ ":$PATH:" != *":$ROOT/bin:"* ]]
	set_args echo by-hand
	run -0 "$ROOT/bin/oci-parse" --bundle=. --root="$STATE" --id="$ID" oci-policy --allow-host-root \
		oci-inject --env=A=1 oci-secure oci-cgroup oci-ns oci-mount oci-exec
	[ "$output" = by-hand ]
	assert_clean
}

@test "oci-audit: one line per container to a file (id, root, capabilities, each mount, escaped); exec too" {
	local log=$BATS_TEST_TMPDIR/audit/log
	mkdir -p "$BATS_TEST_TMPDIR/audit" "$BATS_TEST_TMPDIR/a dir"
	update_config '.mounts += [{"destination": "/data x", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/a dir", "options": ["rbind", "ro"]}]'
	chain "oci-audit --file=$log oci-secure oci-cgroup oci-ns oci-mount oci-exec" \
		"oci-audit --file=$log oci-secure oci-cgroup oci-ns oci-exec"
	set_args echo ran
	run -0 runc run "$ID"
	[ "$output" = ran ]
	[ "$(wc -l < "$log")" -eq 1 ]
	local line caps
	line=$(cat "$log")
	caps=$(jq -r '.process.capabilities.bounding | join(",")' "$BUNDLE/config.json")
	[[ "$line" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ oci-audit\[[0-9]+\]:\ id=$ID\ mode=run\ bundle=$BUNDLE\ root=$(shared_rootfs)\ user=0:0\ bounding=$caps\ effective= ]]
	[[ "$line" == *" inheritable=- ambient=- mount=/proc type=proc source=proc options=- mount=/dev type=tmpfs source=tmpfs "* ]]
	[[ "$line" == *" mount=/data\\040x type=bind source=$BATS_TEST_TMPDIR/a\\040dir options=rbind,ro" ]]
	[ "$(grep -o ' mount=' "$log" | wc -l)" -eq "$(jq '.mounts | length' "$BUNDLE/config.json")" ]
	assert_clean
	up
	run -0 runc exec "$ID" true
	[ "$(wc -l < "$log")" -eq 3 ]
	sed -n 2p "$log" | grep -q " id=$ID mode=create "
	sed -n 3p "$log" | grep -q " id=$ID mode=exec bundle=$BUNDLE root=$(shared_rootfs) user=0:0 bounding=$caps "
	runc delete --force "$ID"
	assert_clean
	# by hand, no state dir: the same line
	run -0 "$ROOT/bin/oci-parse" --bundle=. --id="$ID-hand" oci-audit --file="$log" true
	[ -z "$output" ]
	tail -n 1 "$log" | grep -q " id=$ID-hand mode=run bundle=$BUNDLE root=$(shared_rootfs) user=0:0 bounding=$caps "
}

@test "oci-audit: a log it cannot write stops the container (one line, exit 1, nothing left) unless --best-effort" {
	chain "oci-audit --file=$BATS_TEST_TMPDIR/no/such/dir/log oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	set_args echo ran
	run -1 runc run "$ID"
	[ "$output" = "oci-audit: cannot append to $BATS_TEST_TMPDIR/no/such/dir/log: Directory nonexistent" ]
	assert_clean
	chain "oci-audit --syslog=$BATS_TEST_TMPDIR/no-socket oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	run -1 runc --log "$BATS_TEST_TMPDIR/runc.log" run "$ID"
	[ "$output" = "oci-audit: cannot log to $BATS_TEST_TMPDIR/no-socket: No such file or directory" ]
	grep -q "oci-audit: cannot log to $BATS_TEST_TMPDIR/no-socket" "$BATS_TEST_TMPDIR/runc.log"
	assert_clean
	# --best-effort: a warning, on stderr and in the --log (JSON: escaped)
	chain "oci-audit --best-effort --file=$BATS_TEST_TMPDIR/no/\"such\\/dir/log oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	run -0 runc --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$ID"
	local warning="oci-audit: warning: cannot append to $BATS_TEST_TMPDIR/no/\"such\\/dir/log: Directory nonexistent (--best-effort: the container runs)"
	[ "${lines[0]}" = "$warning" ]
	[ "${lines[1]}" = ran ]
	[ "$(jq -r 'select(.level == "warning") | .msg' "$BATS_TEST_TMPDIR/log.json")" = "$warning" ]
	assert_clean
}

@test "oci-audit: to syslog, tag oci-audit, facility auth, level notice" {
	local sock=$BATS_TEST_TMPDIR/log.sock got=$BATS_TEST_TMPDIR/got
	syslogd "$sock" "$got"
	chain "oci-secure oci-audit --syslog=$sock oci-cgroup oci-ns oci-mount oci-exec"
	set_args echo ran
	run -0 runc run "$ID"
	[ "$output" = ran ]
	wait "$SYSLOGD"
	SYSLOGD=
	# <37>: auth (4) * 8 + notice (5)
	grep -Eq "^<37>.* oci-audit\[[0-9]+\]: id=$ID mode=run bundle=$BUNDLE root=$(shared_rootfs) user=0:0 bounding=" "$got"
	grep -q " mount=/proc type=proc source=proc options=- " "$got"
	assert_clean
}

@test "oci-inject: variables and binds reach the container (the bind's content, read-only with :ro); exec gets the variables" {
	mkdir -p "$BATS_TEST_TMPDIR/ca" "$BATS_TEST_TMPDIR/rw"
	echo ca-bundle > "$BATS_TEST_TMPDIR/ca/f"
	local opts="--env=SITE=lab --env=TERM=dumb --env=EMPTY= --bind=$BATS_TEST_TMPDIR/rw:/rw"
	chain "oci-secure oci-cgroup oci-inject $opts --bind=$BATS_TEST_TMPDIR/ca:/etc/site:ro oci-ns oci-mount oci-exec" \
		"oci-secure oci-cgroup oci-inject $opts oci-ns oci-exec"
	set_args sh -c 'echo "$SITE $TERM [$EMPTY]"; env | grep -c ^TERM=; cat /etc/site/f; touch /etc/site/g 2>/dev/null || echo ro; echo w > /rw/f'
	run -0 runc --debug --log "$BATS_TEST_TMPDIR/debug.log" run "$ID"
	[ "${lines[0]}" = "lab dumb []" ] # TERM=xterm from the config replaced
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = ca-bundle ]
	[ "${lines[3]}" = ro ]
	[ "$(cat "$BATS_TEST_TMPDIR/rw/f")" = w ]
	# --debug: its own start and done lines, then each record it added, in
	# order, by the oci-add that added it
	[ "$(grep -E '^oci-(inject|add): (start|done)' "$BATS_TEST_TMPDIR/debug.log" | head -n 3 | sed 's/ wall=.*//')" = \
		"$(printf '%s\n' 'oci-inject: start' 'oci-inject: done' 'oci-add: start')" ]
	grep -Eq '^oci-inject: done wall=[0-9]+\.[0-9]{3}ms cpu=[0-9]+\.[0-9]{3}ms$' "$BATS_TEST_TMPDIR/debug.log"
	[ "$(grep -o 'oci-add: added .*' "$BATS_TEST_TMPDIR/debug.log")" = "$(printf '%s\n' \
		'oci-add: added env SITE=lab' 'oci-add: added env TERM=dumb' 'oci-add: added env EMPTY=' \
		"oci-add: added mount /rw bind $BATS_TEST_TMPDIR/rw rbind -" \
		"oci-add: added mount /etc/site bind $BATS_TEST_TMPDIR/ca rbind,ro -")" ]
	assert_clean
	up
	run -0 runc exec "$ID" sh -c 'echo "$SITE $TERM"; cat /etc/site/f'
	[ "${lines[0]}" = "lab dumb" ]
	[ "${lines[1]}" = ca-bundle ] # the container's own bind, none added
	runc delete --force "$ID"
	assert_clean
}

@test "oci-inject: a bad option or a bind after oci-ns is refused (one line, exit 1, nothing left); by hand without --root" {
	chain "oci-secure oci-cgroup oci-inject --bind=rel:/x oci-ns oci-mount oci-exec"
	set_args echo ran
	run -1 runc run "$ID"
	[ "$output" = "oci-inject: --bind=rel:/x: SRC and DEST must be absolute paths" ]
	assert_clean
	chain "oci-secure oci-cgroup oci-inject --env=NOVALUE oci-ns oci-mount oci-exec"
	run -1 runc run "$ID"
	[ "$output" = "oci-inject: --env=NOVALUE: not NAME=VALUE" ]
	assert_clean
	chain "oci-secure oci-cgroup oci-ns oci-inject --bind=/tmp:/x oci-mount oci-exec"
	run -1 runc run "$ID"
	[[ "$output" == "oci-add: mount: no oci-ns ahead in the chain"* ]]
	assert_clean
	# by hand, no state dir: the cgroups are still removed
	mkdir "$BATS_TEST_TMPDIR/d x"
	echo hand > "$BATS_TEST_TMPDIR/d x/f"
	set_args sh -c 'cat "/d y/f"; echo $X'
	run -0 "$ROOT/bin/oci-parse" --bundle=. --id="$ID" oci-secure oci-cgroup \
		oci-inject --env=X=1 --bind="$BATS_TEST_TMPDIR/d x:/d y" oci-ns oci-mount oci-exec
	[ "$output" = "$(printf 'hand\n1')" ]
	assert_clean
}

@test "a stage of one's own sources oci-stage.sh (oci-policy(8), WRITING A STAGE); the spec on fd 4 with --preserve-fds 1" {
	cat > "$BATS_TEST_TMPDIR/own-net" <<-'EOF2'
		#!/bin/sh
		# own-net: refuse a container that shares the host's network namespace
		NAME=own-net USAGE='own-net prog...'
		. oci-stage.sh
		net=''
		record() { [ "$1 $2" != "ns.new network" ] || net=1; }
		spec_read
		stage_need "$@"
		[ -n "$net" ] || stage_fail 100 "no network namespace of its own (mode $stage_mode)"
		stage_next oci-add env NET=own -- "$@"
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/own-net"
	chain "$BATS_TEST_TMPDIR/own-net oci-inject --env=A=1 oci-secure oci-cgroup oci-ns oci-mount oci-exec"
	set_args sh -c 'echo $NET $A; cat <&3'
	echo preserved > "$BATS_TEST_TMPDIR/fd3"
	run -0 runc run --preserve-fds 1 "$ID" 3< "$BATS_TEST_TMPDIR/fd3"
	[ "$output" = "$(printf 'own 1\npreserved')" ]
	assert_clean
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	run -1 runc run "$ID"
	[ "$output" = "own-net: no network namespace of its own (mode run)" ]
	assert_clean
}

@test "oci-policy alone on hand-written specs: a blank, tab, backslash and newline in a name are undone before test -ef; the last record of a capability set counts" {
	local d=$BATS_TEST_TMPDIR/odd name spec=$BATS_TEST_TMPDIR/spec
	name=$(printf 'a b\tc\\d\ne')
	mkdir "$d"
	ln -s / "$d/$name"
	printf '%s\n' 'ocispec 1' 'seccomp.default SCMP_ACT_ALLOW -' \
		"mount /x bind $d/a\\040b\\011c\\134d\\012e rbind,ro -" > "$spec"
	run -100 "$ROOT/bin/oci-policy" sh -c 'echo next' 3< "$spec"
	[ "$output" = "oci-policy: mount /x: source $d/a\\040b\\011c\\134d\\012e is the host's / (--allow-host-root allows it)" ]
	rm "$d/$name"
	mkdir "$d/$name"
	run -0 "$ROOT/bin/oci-policy" sh -c 'echo next' 3< "$spec"
	[ "$output" = next ]
	# oci-secure takes the last record of a set: so does the policy
	printf '%s\n' 'cap.bounding CAP_SYS_ADMIN,CAP_KILL' 'cap.bounding CAP_KILL' >> "$spec"
	run -0 "$ROOT/bin/oci-policy" sh -c 'echo next' 3< "$spec"
	[ "$output" = next ]
	printf '%s\n' 'cap.ambient -' 'cap.ambient CAP_CHOWN,CAP_SYS_ADMIN' >> "$spec"
	run -100 "$ROOT/bin/oci-policy" sh -c 'echo next' 3< "$spec"
	[ "$output" = "oci-policy: capability CAP_SYS_ADMIN in the ambient set is denied by policy (--deny-cap)" ]
	# not a spec
	echo 'not a spec' > "$spec"
	run -100 "$ROOT/bin/oci-policy" true 3< "$spec"
	[ "$output" = "oci-policy: spec line 1: malformed spec on fd 3" ]
}
