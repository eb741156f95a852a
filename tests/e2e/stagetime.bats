#!/usr/bin/env bats
# runc --debug: every program of the chain writes one "PROG: done wall=W.WWWms
# cpu=C.CCCms" line before it execs the next program or exits (the format is
# parsed by tests/bench). No timing is asserted here: only the lines. Also
# what was changed for speed keeps its behaviour: the lifecycle programs the
# wrapper execs (no fork) still exit 1, the musl builds speak glibc's texts.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_bundle
	LOG=$BATS_TEST_TMPDIR/log
}

teardown() {
	teardown_bundle
}

DONE_RE='^(oci-[a-z]+): done wall=[0-9]+\.[0-9]{3}ms cpu=[0-9]+\.[0-9]{3}ms$'

# done_names FILE: the programs of the "done" lines of a text log, in order,
# after checking that every line that says done has the exact format
done_names() {
	local line
	while IFS= read -r line; do
		case $line in
		*": done"*)
			[[ $line =~ $DONE_RE ]] || { echo "bad done line: $line" >&2; return 1; }
			echo "${BASH_REMATCH[1]}"
			;;
		esac
	done < "$1"
}

# every done line comes after its program's start line
assert_start_before_done() {
	local line p seen=" "
	while IFS= read -r line; do
		p=${line%%:*}
		case $line in
		*": start") seen="$seen$p " ;;
		*": done wall="*) [[ $seen == *" $p "* ]] || { echo "$p: done before start" >&2; return 1; } ;;
		esac
	done < "$1"
}

@test "stagetime: run --debug: one done line per program, in the chain's order, the monitor's before the teardown" {
	run "$RUNC" --root "$STATE" --debug --log "$LOG" run "$ID"
	[ "$status" -eq 0 ]
	# nothing of it on stderr
	[ "$output" = "" ]
	run done_names "$LOG"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr '\n' ' ')" = "oci-parse oci-secure oci-cgroup oci-ns oci-mount oci-exec oci-ns oci-delete " ]
	assert_start_before_done "$LOG"
	# the monitor's line comes after the container exited, oci-delete's last
	[ "$(grep -n 'oci-ns: container exited: 0' "$LOG" | cut -d: -f1)" -lt "$(grep -n 'oci-ns: done' "$LOG" | tail -n 1 | cut -d: -f1)" ]
	tail -n 1 "$LOG" | grep -Eq '^oci-delete: done wall='
	assert_clean
}

@test "stagetime: --log-format json: the same lines in msg, at level debug" {
	run "$RUNC" --root "$STATE" --debug --log "$LOG" --log-format json run "$ID"
	[ "$status" -eq 0 ]
	jq -e . "$LOG" > /dev/null
	jq -r 'select(.msg | test(": done")) | .level' "$LOG" | sort -u > "$BATS_TEST_TMPDIR/levels"
	[ "$(cat "$BATS_TEST_TMPDIR/levels")" = debug ]
	jq -r .msg "$LOG" > "$BATS_TEST_TMPDIR/msgs"
	run done_names "$BATS_TEST_TMPDIR/msgs"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr '\n' ' ')" = "oci-parse oci-secure oci-cgroup oci-ns oci-mount oci-exec oci-ns oci-delete " ]
	assert_clean
}

@test "stagetime: without --debug no start or done line, in the log or on stderr" {
	run --separate-stderr "$RUNC" --root "$STATE" --log "$LOG" run "$ID"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ ! -s "$LOG" ]
	assert_clean
}

@test "stagetime: create and start: oci-exec's line is written before it waits for start, the monitor's when created" {
	set_args true
	# create's stdio on files, not on bats' pipes (helpers.bash's create)
	"$RUNC" --root "$STATE" --debug --log "$LOG" create "$ID" < /dev/null > "$BATS_TEST_TMPDIR/out" 2>&1 3>&-
	# create has returned: the init waits on the fifo, its line is already there
	run done_names "$LOG"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr '\n' ' ')" = "oci-parse oci-secure oci-cgroup oci-ns oci-mount oci-exec oci-ns " ]
	grep -q '^oci-ns: container created$' "$LOG"
	runc start "$ID"
	runc delete --force "$ID"
	assert_clean
}

@test "stagetime: exec --debug: the exec chain's lines, the monitor's at its exit" {
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	runc start "$ID"
	run "$RUNC" --root "$STATE" --debug --log "$LOG" exec "$ID" true
	[ "$status" -eq 0 ]
	run done_names "$LOG"
	[ "$status" -eq 0 ]
	# run's chain without oci-mount (an exec mounts nothing); the monitor's line last, and no teardown
	[ "$(echo "$output" | tr '\n' ' ')" = "oci-parse oci-secure oci-cgroup oci-ns oci-exec oci-ns " ]
	assert_start_before_done "$LOG"
	runc delete --force "$ID"
	assert_clean
}

@test "stagetime: a failing stage: its error, then the monitor's and the teardown's lines" {
	update_config '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/nonexistent-stagetime", "options": ["bind"]}]'
	run "$RUNC" --root "$STATE" --debug --log "$LOG" run "$ID"
	[ "$status" -ne 0 ]
	run done_names "$LOG"
	[ "$status" -eq 0 ]
	# one line per process: the failing oci-mount execs nothing and says none
	[ "$(echo "$output" | tr '\n' ' ')" = "oci-parse oci-secure oci-cgroup oci-ns oci-ns oci-delete " ]
	grep -q '^oci-mount: start$' "$LOG"
	grep -q 'nonexistent-stagetime' "$LOG"
	assert_clean
}

@test "stagetime: state, delete, start and kill are exec'd and still exit 1 on failure" {
	for cmd in state delete start "kill"; do
		run runc $cmd "$ID-none"
		[ "$status" -eq 1 ]
		[ "$output" = "oci-${cmd}: container $ID-none does not exist" ]
	done
	run runc delete --force "$ID-none"
	[ "$status" -eq 0 ]
	# without the wrapper, the program's own status
	run "$ROOT/bin/oci-state" --root="$STATE" "$ID-none"
	[ "$status" -eq 100 ]
}

@test "stagetime: a program built with musl speaks glibc's error texts" {
	long=$(printf '%0300d' 0)
	run "$ROOT/bin/oci-start" --root="$BATS_TEST_TMPDIR/$long" "$ID"
	[ "$status" -eq 111 ]
	[[ "$output" == *"/$ID: File name too long" ]]
}

@test "stagetime: run --debug shows the records each stage added, and oci-parse's count" {
	run "$RUNC" --root "$STATE" --debug --log "$LOG" run "$ID"
	[ "$status" -eq 0 ]
	# oci-parse wrote the spec from nothing: one line with its count
	grep -Eq '^oci-parse: wrote the spec: [0-9]{2,} records$' "$LOG"
	[ "$(grep -c '^oci-parse: wrote the spec' "$LOG")" -eq 1 ]
	[ "$(grep -c '^oci-parse: added' "$LOG")" -eq 0 ]
	# oci-secure: the five capability masks, as written
	[ "$(grep -Ec '^oci-secure: added secure\.cap\.(bounding|effective|permitted|inheritable|ambient) 0x[0-9a-f]{16}$' "$LOG")" -eq 5 ]
	# oci-cgroup: the container's cgroup dirs, each once (it publishes twice: before its mkdirs and after), and the join fds
	grep -Eq "^oci-cgroup: added cgroup\.dir [a-z,_]+ /sys/fs/cgroup/.*/$ID new$" "$LOG"
	[ -z "$(grep '^oci-cgroup: added' "$LOG" | sort | uniq -d)" ]
	grep -Eq '^oci-cgroup: added cgroup\.(join|v2fd) [0-9]+$' "$LOG"
	# oci-ns: the container's pid (the monitor's and the child's spec) and the sync socket
	grep -Eq '^oci-ns: added ns\.pid [0-9]+$' "$LOG"
	grep -Eq '^oci-ns: added ns\.sync [0-9]+$' "$LOG"
	# each between its stage's start and done lines; the stages that add nothing say nothing
	local p
	for p in oci-secure oci-cgroup; do
		[ "$(grep -n "^$p: start$" "$LOG" | cut -d: -f1)" -lt "$(grep -n "^$p: added" "$LOG" | head -n 1 | cut -d: -f1)" ]
		[ "$(grep -n "^$p: added" "$LOG" | tail -n 1 | cut -d: -f1)" -lt "$(grep -n "^$p: done" "$LOG" | cut -d: -f1)" ]
	done
	[ "$(grep -Ec '^oci-(mount|exec|delete): added' "$LOG")" -eq 0 ]
	assert_clean
}

@test "stagetime: the added records in --log-format json, at level debug; none without --debug" {
	run "$RUNC" --root "$STATE" --debug --log "$LOG" --log-format json run "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.msg | test("^oci-[a-z]+: (added|wrote the spec)")) | .level' "$LOG" | sort -u)" = debug ]
	[ "$(jq -r 'select(.msg | test("^oci-secure: added secure.cap.")) | .msg' "$LOG" | wc -l)" -eq 5 ]
	assert_clean
	run --separate-stderr "$RUNC" --root "$STATE" --log "$LOG.2" run "$ID"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ ! -s "$LOG.2" ]
	assert_clean
}
