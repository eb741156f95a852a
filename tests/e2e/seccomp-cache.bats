#!/usr/bin/env bats
# the compiled seccomp program cache (oci-secure(8), "THE FILTER CACHE"):
# a hit loads the very program a compile makes, exec reuses the run's, and
# a cache file or dir that is not exactly right is never used.

load helpers

FX=$ROOT/build/fixtures

setup() {
	setup_bundle
	[ -r /usr/share/containers/seccomp.json ] || { echo "tests/deps installs golang-github-containers-common"; return 1; }
	CACHE=$STATE/.seccomp:cache
	update_config ".mounts += [{\"destination\": \"/fx\", \"type\": \"bind\", \"source\": \"$FX\", \"options\": [\"bind\", \"ro\"]}]"
	update_config ".linux.seccomp = $(podman_profile "$(jq -c .process.capabilities.bounding "$BUNDLE/config.json")")"
}

teardown() {
	local c
	for c in "$ID" "$ID-b"; do
		"$RUNC" --root "$STATE" delete --force "$c" > /dev/null 2>&1 || true
	done
	teardown_bundle
}

# the one cache file (its path)
cache_file() {
	local f
	f=$(find "$CACHE" -mindepth 1)
	[ "$(echo "$f" | wc -l)" -eq 1 ] || { echo "not one cache file: $f" >&2; return 1; }
	echo "$f"
}

# prog_of FILE: the program a cache file holds ("bpf LEN FLAGS" line, then LEN bytes)
prog_of() {
	local hdr off len
	hdr=$(grep -abo -m1 '^bpf [0-9]* [0-9]*$' "$1")
	off=${hdr%%:*}
	len=$(echo "$hdr" | cut -d' ' -f2)
	tail -c +$((off + ${#hdr} - ${#off} + 1)) "$1" | head -c "$len"
}

# run_dbg LOG ARGS...: runc --debug with the log in LOG
run_dbg() {
	"$RUNC" --root "$STATE" --debug --log "$1" "${@:2}"
}

@test "seccomp cache: a miss compiles and stores; a hit loads the same program (the kernel's copy) with the same effect; exec reuses it" {
	set_args sleep 1000
	# miss
	run_dbg "$BATS_TEST_TMPDIR/log1" create "$ID" < /dev/null > /dev/null 2>&1 3>&-
	grep -q "oci-secure: seccomp cache: miss, compiled and stored as $CACHE/" "$BATS_TEST_TMPDIR/log1"
	[ "$(stat -c %a:%U "$CACHE")" = 700:root ]
	f=$(cache_file)
	[ "$(stat -c %a:%U "$f")" = 600:root ]
	runc start "$ID"
	"$FX/bpfdump" "$(runc state "$ID" | jq -r .pid)" > "$BATS_TEST_TMPDIR/miss.bpf"
	prog_of "$f" > "$BATS_TEST_TMPDIR/file.bpf"
	[ -s "$BATS_TEST_TMPDIR/miss.bpf" ]
	cmp "$BATS_TEST_TMPDIR/miss.bpf" "$BATS_TEST_TMPDIR/file.bpf"
	# hit: another container of the same config
	run_dbg "$BATS_TEST_TMPDIR/log2" create "$ID-b" < /dev/null > /dev/null 2>&1 3>&-
	grep -q "oci-secure: seccomp cache: hit $f" "$BATS_TEST_TMPDIR/log2"
	! grep -q "compiled" "$BATS_TEST_TMPDIR/log2" || return 1
	runc start "$ID-b"
	"$FX/bpfdump" "$(runc state "$ID-b" | jq -r .pid)" > "$BATS_TEST_TMPDIR/hit.bpf"
	cmp "$BATS_TEST_TMPDIR/miss.bpf" "$BATS_TEST_TMPDIR/hit.bpf"
	# the same behaviour in both: kexec_file_load EPERM, a number no kernel has ENOSYS, getpid allowed
	for c in "$ID" "$ID-b"; do
		run runc exec "$c" sh -c '/fx/sysc 320; /fx/sysc 1000; /fx/sysc 39 | cut -c1-2'
		[ "$status" -eq 0 ]
		[ "$output" = "$(printf 'errno 1\nerrno 38\nok')" ]
	done
	# exec: the run's program from the cache, loaded as is
	run_dbg "$BATS_TEST_TMPDIR/log3" exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 1000 < /dev/null > /dev/null 2>&1 3>&-
	grep -q "oci-secure: seccomp cache: hit $f" "$BATS_TEST_TMPDIR/log3"
	! grep -q "compiled" "$BATS_TEST_TMPDIR/log3" || return 1
	"$FX/bpfdump" "$(cat "$BATS_TEST_TMPDIR/exec.pid")" > "$BATS_TEST_TMPDIR/exec.bpf"
	cmp "$BATS_TEST_TMPDIR/miss.bpf" "$BATS_TEST_TMPDIR/exec.bpf"
	[ "$(cache_file)" = "$f" ]
	runc delete --force "$ID-b"
	runc delete --force "$ID"
	assert_clean
}

@test "seccomp cache: a changed, cut, loose, foreign-owned, linked or mis-keyed cache file is not used: compiled anew and replaced" {
	set_args sh -c '/fx/sysc 320; /fx/sysc 39 | cut -c1-2'
	run runc run "$ID"
	[ "$output" = "$(printf 'errno 1\nok')" ]
	f=$(cache_file)
	cp "$f" "$BATS_TEST_TMPDIR/good"
	hdr=$(grep -abo -m1 '^bpf [0-9]* [0-9]*$' "$f")
	n=0
	# each damage: the log says the file was ignored, the filter is compiled and still applies, the file is good again
	for damage in prog key cut grow mode666 mode620 owner symlink; do
		cp "$BATS_TEST_TMPDIR/good" "$f"
		case $damage in
		prog) # one byte of the program, to another value
			at=$((${hdr%%:*} + 40))
			[ "$(dd if="$f" bs=1 skip=$at count=1 status=none | od -An -tu1 | tr -d ' ')" = 0 ] && b='\001' || b='\000'
			printf '%b' "$b" | dd of="$f" bs=1 seek=$at conv=notrunc status=none
			cmp -s "$f" "$BATS_TEST_TMPDIR/good" && return 1 ;;
		key) sed -i 's/SCMP_ACT_ERRNO/SCMP_ACT_ALLOW/' "$f" ;;
		cut) truncate -s -9 "$f" ;;
		grow) echo x >> "$f" ;;
		mode666) chmod 666 "$f" ;;
		mode620) chmod 620 "$f" ;;
		owner) chown 65534 "$f" ;;
		symlink) rm "$f" && ln -s "$BATS_TEST_TMPDIR/good" "$f" ;;
		esac
		n=$((n + 1))
		run run_dbg "$BATS_TEST_TMPDIR/log$n" run "$ID"
		[ "$output" = "$(printf 'errno 1\nok')" ] || { echo "$damage: $output"; return 1; }
		grep -q "oci-secure: seccomp cache: $f ignored" "$BATS_TEST_TMPDIR/log$n" || { echo "$damage: not ignored"; return 1; }
		grep -q "miss, compiled and stored as $f" "$BATS_TEST_TMPDIR/log$n"
		[ -f "$f" ] && [ ! -L "$f" ] && [ "$(stat -c %a:%U "$f")" = 600:root ]
		cmp "$f" "$BATS_TEST_TMPDIR/good" || { echo "$damage: not replaced by the same program"; return 1; }
	done
	# a well-formed file of another profile (an allow-all one) under this profile's name: the key differs, never taken
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.json"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	runc run "$ID"
	other=$(find "$CACHE" -mindepth 1 ! -name "${f##*/}")
	[ -f "$other" ]
	mv "$other" "$f"
	cp "$BATS_TEST_TMPDIR/config.json" "$BUNDLE/config.json"
	run run_dbg "$BATS_TEST_TMPDIR/logk" run "$ID"
	[ "$output" = "$(printf 'errno 1\nok')" ]
	grep -q "oci-secure: seccomp cache: $f ignored: another key" "$BATS_TEST_TMPDIR/logk"
	cmp "$f" "$BATS_TEST_TMPDIR/good"
	assert_clean
}

@test "seccomp cache: a cache dir open to others, owned by another user or a symlink is not used at all (compiled, nothing stored)" {
	set_args sh -c '/fx/sysc 320'
	runc run "$ID"
	f=$(cache_file)
	rm "$f"
	for damage in mode755 owner symlink; do
		case $damage in
		mode755) chmod 755 "$CACHE" ;;
		owner) chmod 700 "$CACHE" && chown 65534 "$CACHE" ;;
		symlink) chown 0 "$CACHE" && mv "$CACHE" "$STATE/elsewhere" && ln -s elsewhere "$CACHE" ;;
		esac
		run run_dbg "$BATS_TEST_TMPDIR/log-$damage" run "$ID"
		[ "$output" = "errno 1" ]
		grep -q "oci-secure: seccomp cache: $CACHE not used" "$BATS_TEST_TMPDIR/log-$damage"
		! grep -q "stored" "$BATS_TEST_TMPDIR/log-$damage" || return 1
		[ -z "$(find -L "$CACHE" -mindepth 1)" ]
	done
	assert_clean
}

@test "seccomp cache: no filter, no cache dir; the cache dir is not a container" {
	update_config 'del(.linux.seccomp)'
	set_args true
	runc run "$ID"
	[ ! -e "$CACHE" ]
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	runc run "$ID"
	[ -d "$CACHE" ]
	[ "$(runc list -q)" = "" ]
	run runc state ".seccomp:cache"
	[ "$status" -ne 0 ]
	assert_clean
}
