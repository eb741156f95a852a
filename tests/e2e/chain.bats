#!/usr/bin/env bats
# The chain file (runc(8), CHAIN FILE): $RUNC_CHAIN or /etc/runc/chain gives
# the stages runc runs after oci-parse, a "run" and an "exec" line; a kind
# the file leaves out keeps its built-in chain; a bad file is one error line
# naming the file and line, exit 1, nothing run and nothing created.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_bundle
	REC=$BATS_TEST_TMPDIR/rec
	LOG=$BATS_TEST_TMPDIR/log
	# a stage: records its name, argv and the spec it was given, goes on
	cat > "$BATS_TEST_TMPDIR/recorder" <<-EOF
		#!/bin/sh
		echo "\${0##*/} \$*" >> "$REC.argv"
		cat "/proc/self/fd/\${OCI_SPEC_FD:-3}" > "$REC.spec"
		exec "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/recorder"
	STAGE=$BATS_TEST_TMPDIR/recorder
	unset RUNC_CHAIN
}

teardown() {
	[ -n "${ID:-}" ] && "$RUNC" --root "$STATE" delete --force "$ID" > /dev/null 2>&1
	teardown_bundle
}

# chain_file LINE...: the lines as $RUNC_CHAIN's file
chain_file() {
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/chain"
	export RUNC_CHAIN=$BATS_TEST_TMPDIR/chain
}

# with_etc_chain CONTENT CMD...: CMD in a mount namespace whose /etc is an
# overlay of the host's with CONTENT as /etc/runc/chain ("-> PATH": a symlink
# to PATH); the host's /etc is never written
with_etc_chain() {
	local content=$1 ov=$BATS_TEST_TMPDIR/etc-overlay
	shift
	mkdir -p "$ov"
	unshare -m --propagation private sh -c '
		ov=$1 content=$2
		shift 2
		mount -t tmpfs tmpfs "$ov" && mkdir "$ov/u" "$ov/w" &&
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$ov/u,workdir=$ov/w" /etc &&
			mkdir /etc/runc || exit 99
		case $content in
		"-> "*) ln -s "${content#-> }" /etc/runc/chain ;; # a symlink to that
		*) printf "%s\n" "$content" > /etc/runc/chain ;;
		esac || exit 99
		exec "$@"' sh "$ov" "$content" "$@"
}

# nothing of the container and nothing of the chain: no state dir, no
# cgroup, no log (oci-parse never ran)
assert_nothing_ran() {
	assert_clean
	[ ! -e "$LOG" ] || { echo "the chain ran: $(cat "$LOG")"; return 1; }
	[ ! -e "$REC.argv" ] || { echo "a stage ran: $(cat "$REC.argv")"; return 1; }
}

@test "chain file: run runs the run line, the inserted stage sees the spec oci-secure wrote and execs the rest" {
	chain_file '# audit every container' '' \
		"run oci-secure $STAGE oci-cgroup oci-ns oci-mount oci-exec # after oci-secure"
	set_args echo in-container
	run -0 runc run "$ID"
	[ "$output" = in-container ]
	[ "$(cat "$REC.argv")" = "recorder oci-cgroup oci-ns oci-mount oci-exec" ]
	grep -qx "state.id $ID" "$REC.spec"
	grep -qx 'run.mode run' "$REC.spec"
	grep -q '^secure\.cap\.bounding ' "$REC.spec" # oci-secure ran before it
	! grep -q '^cgroup\.dir ' "$REC.spec"         # oci-cgroup after it
	assert_clean
	# with --preserve-fds 1 the spec is on fd 4 ($OCI_SPEC_FD), fd 3 the caller's
	rm "$REC.argv" "$REC.spec"
	run -0 runc run --preserve-fds 1 "$ID" 3< /dev/null
	[ "$output" = in-container ]
	[ "$(cat "$REC.argv")" = "recorder oci-cgroup oci-ns oci-mount oci-exec" ]
	grep -qx "state.id $ID" "$REC.spec"
	assert_clean
}

@test "chain file: create and start, run -d and 2015's runc start take the run line" {
	chain_file "run oci-secure oci-cgroup $STAGE oci-ns oci-mount oci-exec"
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$REC.argv")" = "recorder oci-ns oci-mount oci-exec" ]
	grep -qx 'run.mode create' "$REC.spec"
	grep -q '^cgroup\.' "$REC.spec" # oci-cgroup ran before it
	runc start "$ID"
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	[ "$(wc -l < "$REC.argv")" -eq 1 ] # start runs no chain
	runc delete --force "$ID"
	assert_clean
	# run -d: a create, then a start
	rm "$REC.argv"
	"$RUNC" --root "$STATE" run -d "$ID" < /dev/null > /dev/null 2>&1 3>&-
	[ "$(cat "$REC.argv")" = "recorder oci-ns oci-mount oci-exec" ]
	grep -qx 'run.mode create' "$REC.spec"
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	runc delete --force "$ID"
	assert_clean
	# 2015: runc start with no id runs the bundle as run does
	rm "$REC.argv"
	set_args echo legacy
	run -0 "$RUNC" --root "$STATE" --id "$ID" start
	[ "$output" = legacy ]
	[ "$(cat "$REC.argv")" = "recorder oci-ns oci-mount oci-exec" ]
	grep -qx 'run.mode run' "$REC.spec"
	assert_clean
}

@test "chain file: exec runs the exec line; a kind left out keeps its built-in chain" {
	chain_file "exec oci-secure $STAGE oci-cgroup oci-ns oci-exec"
	set_args sleep 100
	create "$ID" # the run line is the built-in one: no recorder
	[ "$status" -eq 0 ]
	[ ! -e "$REC.argv" ]
	runc start "$ID"
	run -0 runc exec "$ID" echo from-exec
	[ "$output" = from-exec ]
	[ "$(cat "$REC.argv")" = "recorder oci-cgroup oci-ns oci-exec" ]
	grep -qx 'run.mode exec' "$REC.spec"
	grep -qx 'arg echo' "$REC.spec"
	# and the other way round: a run line only, exec's chain is the built-in
	rm "$REC.argv"
	chain_file "run oci-secure $STAGE oci-cgroup oci-ns oci-mount oci-exec"
	run -0 runc exec "$ID" echo again
	[ "$output" = again ]
	[ ! -e "$REC.argv" ]
	runc delete --force "$ID"
	assert_clean
}

@test "chain file: a stage replaced by a script that logs and execs oci-mount by name (PATH has the stage directory)" {
	cat > "$BATS_TEST_TMPDIR/my-mount" <<-EOF
		#!/bin/sh
		echo "my-mount \$(command -v oci-mount)" >> "$REC.argv"
		exec oci-mount "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/my-mount"
	chain_file "run	oci-secure oci-cgroup	oci-ns  $BATS_TEST_TMPDIR/my-mount oci-exec"
	set_args sh -c 'hostname; echo "$PATH"'
	run -0 runc run "$ID"
	[ "${lines[0]}" = "$(jq -r .hostname "$BUNDLE/config.json")" ]
	# the container's own environment is the spec's, not runc's PATH
	[ "${lines[1]}" = "$(jq -r '.process.env[] | select(startswith("PATH=")) | sub("PATH="; "")' "$BUNDLE/config.json")" ]
	[ "$(cat "$REC.argv")" = "my-mount $ROOT/bin/oci-mount" ]
	assert_clean
}

@test "chain file: RUNC_CHAIN= (empty) is the built-in chain, even with an /etc/runc/chain" {
	set_args echo ok
	# /etc/runc/chain is used when RUNC_CHAIN is unset
	run -0 with_etc_chain "run oci-secure $STAGE oci-cgroup oci-ns oci-mount oci-exec" \
		"$RUNC" --root "$STATE" run "$ID"
	[ "$output" = ok ]
	[ "$(cat "$REC.argv")" = "recorder oci-cgroup oci-ns oci-mount oci-exec" ]
	assert_clean
	rm "$REC.argv"
	run -0 with_etc_chain "run oci-secure $STAGE oci-cgroup oci-ns oci-mount oci-exec" \
		env RUNC_CHAIN= "$RUNC" --root "$STATE" run "$ID"
	[ "$output" = ok ]
	[ ! -e "$REC.argv" ]
	assert_clean
	# RUNC_CHAIN wins over /etc/runc/chain
	printf 'run oci-secure oci-cgroup %s oci-ns oci-mount oci-exec\n' "$STAGE" > "$BATS_TEST_TMPDIR/mine"
	run -0 with_etc_chain "run bad/stage" \
		env RUNC_CHAIN="$BATS_TEST_TMPDIR/mine" "$RUNC" --root "$STATE" run "$ID"
	[ "$output" = ok ]
	[ "$(cat "$REC.argv")" = "recorder oci-ns oci-mount oci-exec" ]
	assert_clean
	# a bad /etc/runc/chain is reported as such
	run -1 with_etc_chain "run bad/stage" "$RUNC" --root "$STATE" run "$ID"
	[ "$output" = 'runc: /etc/runc/chain:1: "bad/stage": a stage path must be absolute' ]
	assert_clean
	# a symlink that leads nowhere is not "no file": its policy would be skipped
	run -1 with_etc_chain "-> /no/such/chain" "$RUNC" --root "$STATE" run "$ID"
	[ "$output" = 'runc: /etc/runc/chain: No such file or directory' ]
	assert_clean
	# one that leads to a file is that file
	run -0 with_etc_chain "-> $BATS_TEST_TMPDIR/mine" "$RUNC" --root "$STATE" run "$ID"
	[ "$output" = ok ]
	[ "$(sed -n 2p "$REC.argv")" = "recorder oci-ns oci-mount oci-exec" ]
	assert_clean
}

@test "chain file: each error names the file and line, exits 1, runs and creates nothing" {
	local f=$BATS_TEST_TMPDIR/chain
	bad() { # EXPECTED LINE...: run, create, run -d and exec all refuse
		chain_file "${@:2}"
		local cmd
		for cmd in "run $ID" "create $ID" "run -d $ID" "exec $ID true"; do
			# shellcheck disable=SC2086 # the command's words
			run -1 "$RUNC" --root "$STATE" --log "$LOG" $cmd < /dev/null 3>&-
			[ "$output" = "runc: $1" ] || { echo "$cmd: $output"; return 1; }
			assert_nothing_ran
		done
	}
	bad "$f:1: unknown chain \"start\" (run or exec)" 'start oci-secure oci-exec'
	bad "$f:4: unknown chain \"Run\" (run or exec)" '# c' '' ' #x'"$(printf '\t')"'y' 'Run oci-exec'
	bad "$f:2: chain \"run\" given twice" 'run oci-secure oci-cgroup oci-ns oci-mount oci-exec' \
		"$(printf '\t')run  oci-exec"
	bad "$f:3: chain \"exec\" given twice" 'exec oci-exec' 'run oci-exec' 'exec oci-exec'
	bad "$f:1: chain \"run\" has no stages" 'run'
	bad "$f:2: chain \"exec\" has no stages" '' 'exec  # later'
	bad "$f:1: \"./audit.sh\": a stage path must be absolute" 'run oci-secure ./audit.sh oci-cgroup'
	bad "$f:1: \"stages/x\": a stage path must be absolute" 'exec stages/x oci-exec'
	bad "$f:1: \"x/y:/b\": a stage path must be absolute" 'run oci-secure x/y:/b oci-exec'
	# the file itself
	export RUNC_CHAIN=$BATS_TEST_TMPDIR/none
	run -1 runc run "$ID"
	[ "$output" = "runc: RUNC_CHAIN: $RUNC_CHAIN: No such file or directory" ]
	export RUNC_CHAIN=$BATS_TEST_TMPDIR
	run -1 runc run "$ID"
	[ "$output" = "runc: $RUNC_CHAIN: Is a directory" ]
	assert_nothing_ran
}

@test "chain file: a stage that does not exist: runc exits 1 naming it, and the teardown leaves nothing" {
	set_args echo never
	chain_file 'run oci-secure oci-nosuch oci-cgroup oci-ns oci-mount oci-exec'
	run -1 runc run "$ID"
	[[ "$output" == *"oci-secure: exec oci-nosuch: No such file or directory"* ]]
	[[ "$output" != *never* ]]
	assert_clean
	chain_file "run oci-secure oci-cgroup oci-ns $BATS_TEST_TMPDIR/no/such/stage oci-exec"
	create "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"oci-ns: exec $BATS_TEST_TMPDIR/no/such/stage: No such file or directory"* ]]
	assert_clean
	# the exec line: the exec fails as runc's exec (255), the container stays
	set_args sleep 100
	chain_file 'exec oci-secure oci-cgroup oci-nosuch oci-ns oci-exec'
	create "$ID"
	[ "$status" -eq 0 ]
	run -255 runc exec "$ID" true
	[[ "$output" == *"oci-cgroup: exec oci-nosuch: No such file or directory"* ]]
	[ "$(runc state "$ID" | jq -r .status)" = created ]
	runc delete --force "$ID"
	assert_clean
}

@test "chain file: start, state and delete of a created container never read it, even a bad one" {
	set_args sleep 100
	create "$ID"
	[ "$status" -eq 0 ]
	chain_file 'nonsense'
	runc start "$ID"
	[ "$(runc state "$ID" | jq -r .status)" = running ]
	runc delete --force "$ID"
	assert_clean
}

@test "chain file: one a non-root caller cannot read is refused by name" {
	local d=$BATS_TEST_TMPDIR/nr
	mkdir -m 0755 "$d"
	printf 'run oci-secure oci-cgroup oci-ns oci-mount oci-exec\n' > "$d/chain"
	chmod 0600 "$d/chain"
	# the path is reachable for nobody (bats' tmp dirs are 0700)
	local p=$BATS_TEST_TMPDIR
	while [ "$p" != / ] && [ "${p#"$BATS_RUN_TMPDIR"}" != "$p" ]; do
		chmod o+x "$p"
		p=${p%/*}
	done
	chmod o+x "$BATS_RUN_TMPDIR"
	run -1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -u XDG_RUNTIME_DIR RUNC_CHAIN="$d/chain" "$RUNC" --root "$d/state" run "$ID"
	[ "$output" = "runc: $d/chain: Permission denied" ]
	[ ! -e "$d/state" ]
	assert_clean
}

# readme_stage: the shell stage of README.md's "Inserted shell stages", as
# the README prints it
readme_stage() {
	awk '/^\*\*Inserted shell stages\.\*\*/ { on = 1 }
		on && /^```$/ && body { exit }
		on && body { print }
		on && /^```sh$/ { body = 1 }' "$ROOT/README.md"
}

@test "chain file: README's inserted shell stage adds a variable through oci-add, or refuses through oci-fail" {
	readme_stage > "$BATS_TEST_TMPDIR/own-net"
	chmod +x "$BATS_TEST_TMPDIR/own-net"
	head -1 "$BATS_TEST_TMPDIR/own-net" | grep -qx '#!/bin/sh'
	grep -q 'exec oci-add' "$BATS_TEST_TMPDIR/own-net"
	chain_file "run oci-secure $BATS_TEST_TMPDIR/own-net oci-cgroup oci-ns oci-mount oci-exec"
	set_args sh -c 'echo "NET=$NET"'
	run -0 runc --debug --log "$LOG" run "$ID"
	[ "$output" = NET=private ]
	# --debug shows what the inserted stage did, between oci-secure and oci-cgroup
	grep -qx 'oci-add: added env NET=private' "$LOG"
	[ "$(grep -E '^oci-[a-z]+: done ' "$LOG" | cut -d: -f1 | head -3 | tr '\n' ' ')" = "oci-parse oci-secure oci-add " ]
	assert_clean
	# no network namespace of its own: refused, nothing left
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	run -1 runc run "$ID"
	[ "$output" = "own-net: no network namespace of its own" ]
	assert_clean
}

@test "chain file: no quoting, no globbing, a last line without a newline, an empty file" {
	set_args echo ok
	# a file named like the glob exists: the word stays as written
	touch "$BATS_TEST_TMPDIR/oci-exec"
	printf 'run oci-secure oci-cgroup oci-ns oci-mount %s/oci-exe?\n' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/chain"
	export RUNC_CHAIN=$BATS_TEST_TMPDIR/chain
	run -1 runc run "$ID"
	[[ "$output" == *"oci-mount: exec $BATS_TEST_TMPDIR/oci-exe?: No such file or directory"* ]]
	assert_clean
	printf 'run "oci-secure" oci-cgroup oci-ns oci-mount oci-exec\n' > "$RUNC_CHAIN"
	run -1 runc run "$ID"
	[[ "$output" == *'oci-parse: exec "oci-secure": No such file or directory'* ]]
	assert_clean
	printf 'run %s oci-secure oci-cgroup oci-ns oci-mount oci-exec' "$STAGE" > "$RUNC_CHAIN"
	run -0 runc run "$ID"
	[ "$output" = ok ]
	[ "$(cat "$REC.argv")" = "recorder oci-secure oci-cgroup oci-ns oci-mount oci-exec" ]
	assert_clean
	rm "$REC.argv"
	# a word starting with - is an option: its value may hold a /
	printf 'run %s --file=/var/log/x --bind=rel/a:/b oci-secure oci-cgroup oci-ns oci-mount oci-exec\n' "$STAGE" > "$RUNC_CHAIN"
	sed -i 's|^exec "\$@"$|shift 2; exec "$@"|' "$STAGE"
	run -0 runc run "$ID"
	[ "$output" = ok ]
	[ "$(cat "$REC.argv")" = "recorder --file=/var/log/x --bind=rel/a:/b oci-secure oci-cgroup oci-ns oci-mount oci-exec" ]
	assert_clean
	rm "$REC.argv"
	: > "$RUNC_CHAIN"
	run -0 runc run "$ID"
	[ "$output" = ok ]
	[ ! -e "$REC.argv" ]
	assert_clean
}
