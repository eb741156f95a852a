#!/usr/bin/env bats
# bad input: one line naming the file and the field, exit 1, nothing left

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# expect_error MESSAGE: runc run fails with exactly MESSAGE and leaves nothing
expect_error() {
	run runc run "$ID"
	echo "status=$status output=$output"
	[ "$status" -eq 1 ]
	[ "$output" = "$1" ]
	[ "${#lines[@]}" -eq 1 ]
	assert_clean
	[ ! -e "$STATE/$ID" ]
}

@test "bad input: malformed JSON" {
	printf '{"ociVersion": "1.2.0",\n "process": {,}}' > "$BUNDLE/config.json"
	# the column of the offending byte, the comma (cJSON named the one after)
	expect_error "oci-parse: config.json: malformed JSON at line 2, column 14"
}

@test "bad input: truncated JSON" {
	head -c 200 "$BUNDLE/config.json" > "$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	expect_error "oci-parse: config.json: malformed JSON: unexpected end of file at line 13"
}

@test "bad input: no config.json" {
	rm "$BUNDLE/config.json"
	expect_error "oci-parse: open $BUNDLE/config.json: No such file or directory"
}

@test "bad input: wrong types" {
	update_config '.process.user.uid = "root"'
	expect_error "oci-parse: config.json: process.user.uid: expected a number"
	update_config '.process.user.uid = 0 | .process.args = "sh"'
	expect_error "oci-parse: config.json: process.args: expected an array"
	update_config '.process.args = ["sh"] | .root.readonly = "yes"'
	expect_error "oci-parse: config.json: root.readonly: expected true or false"
	update_config '.root.readonly = true | .mounts[1].options[0] = 7'
	expect_error "oci-parse: config.json: mounts[1].options[0]: expected a string"
}

@test "bad input: a missing rootfs" {
	update_config '.root.path = "nowhere"'
	expect_error "oci-parse: config.json: root.path: $BUNDLE/nowhere: No such file or directory"
}

@test "bad input: an unknown namespace type" {
	local n # runc spec's five, six with v2's cgroup namespace
	n=$(jq '.linux.namespaces | length' "$BUNDLE/config.json")
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	expect_error "oci-parse: config.json: linux.namespaces[$n].type: unknown namespace type bogus"
}

@test "bad input: a relative mount destination" {
	update_config '.mounts += [{"destination": "data", "type": "tmpfs", "source": "tmpfs"}]'
	expect_error "oci-parse: config.json: mounts[7].destination: data is not an absolute path"
}

@test "bad input: absurd sizes" {
	update_config '.process.oomScoreAdj = 5000'
	expect_error "oci-parse: config.json: process.oomScoreAdj: 5000 is out of range [-1000, 1000]"
	update_config 'del(.process.oomScoreAdj) | .process.rlimits[0].soft = 2048'
	expect_error "oci-parse: config.json: process.rlimits[0]: soft limit 2048 is above the hard limit 1024"
	update_config '.process.rlimits[0].soft = 1024 | .linux.resources.cpu = {"shares": 1e12}'
	expect_error "oci-parse: config.json: linux.resources.cpu.shares: 1000000000000 is out of range [0, 262144]"
	update_config 'del(.linux.resources.cpu) | .process.user.uid = -1'
	expect_error "oci-parse: config.json: process.user.uid: -1 is out of range [0, 4294967294]"
}

@test "bad input: an unknown rlimit and an unknown capability" {
	update_config '.process.rlimits[0].type = "RLIMIT_TEST"'
	expect_error "oci-parse: config.json: process.rlimits[0].type: unknown rlimit RLIMIT_TEST"
	update_config '.process.rlimits[0].type = "RLIMIT_NOFILE" | .process.capabilities.bounding += ["CAP_BOGUS"]'
	[ -x "$ROOT/bin/oci-secure" ] || skip "oci-secure not built"
	run runc run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == "oci-secure: spec line "*": unknown capability CAP_BOGUS" ]]
	assert_clean
}

@test "bad input: an invalid container id" {
	run runc run "a/b"
	[ "$status" -eq 1 ]
	[ "$output" = "oci-parse: invalid container ID format: a/b" ]
	run runc run ""
	[ "$status" -eq 1 ]
	[ "$output" = "runc: container id cannot be empty" ]
	[ -z "$(ls -A "$STATE" 2>/dev/null)" ]
}

@test "bad input: an unknown runc flag" {
	run runc run --bogus "$ID"
	[ "$status" -eq 1 ]
	[ "$output" = "runc: flag provided but not defined: --bogus" ]
}

@test "bad input: a log file gets the error as a JSON line" {
	update_config '.process.user.uid = "root"'
	run "$RUNC" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$ID"
	[ "$status" -eq 1 ]
	jq -e 'select(.level == "error") | .msg == "oci-parse: config.json: process.user.uid: expected a number"' "$BATS_TEST_TMPDIR/log.json"
	jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' "$BATS_TEST_TMPDIR/log.json"
}

@test "bad input: a device whose fileMode type bits disagree with its type" {
	# podman's form, S_IFCHR|0666, on a block device
	update_config '.linux.devices = [{"path": "/dev/loop9", "type": "b", "major": 7, "minor": 9, "fileMode": 8630}]'
	expect_error "oci-parse: config.json: linux.devices[0].fileMode: file type bits 020000 do not match type b"
	update_config '.linux.devices = [{"path": "/dev/null2", "type": "c", "major": 1, "minor": 3, "fileMode": 16822}]'
	expect_error "oci-parse: config.json: linux.devices[0].fileMode: file type bits 040000 do not match type c"
}

@test "bad input: a malformed blockIO, hugepageLimits, network or rdma entry" {
	update_config '.linux.resources.blockIO = {"weightDevice": [{"minor": 0, "weight": 500}]}'
	expect_error "oci-parse: config.json: linux.resources.blockIO.weightDevice[0]: major and minor are required"
	update_config '.linux.resources.blockIO = {} | .linux.resources.hugepageLimits = [{"pageSize": "huge", "limit": 1048576}]'
	expect_error "oci-parse: config.json: linux.resources.hugepageLimits[0].pageSize: bad page size huge (expected e.g. 2MB, 1GB)"
	update_config 'del(.linux.resources.hugepageLimits) | .linux.resources.network = {"classID": -7}'
	expect_error "oci-parse: config.json: linux.resources.network.classID: -7 is out of range [0, 4294967295]"
	update_config 'del(.linux.resources.network) | .linux.resources.rdma = {"mlx5 1": {"hcaHandles": 3}}'
	expect_error "oci-parse: config.json: linux.resources.rdma: bad device name mlx5 1"
}

# ---- strict JSON (RFC 8259): what the standard rejects is an error -------

# poke FROM TO: replace the text FROM in config.json by TO, where \xNN is
# that byte and \t a tab (all else literal), for what jq cannot write
poke() {
	FROM=$1 TO=$2 perl -0pi -e 'my $t = $ENV{TO}; $t =~ s/\\x([0-9a-f]{2})/chr hex $1/ge; $t =~ s/\\t/\t/g; s/\Q$ENV{FROM}\E/$t/' "$BUNDLE/config.json"
}

# expect_prefix PREFIX: runc run fails with one line starting with PREFIX
expect_prefix() {
	run runc run "$ID"
	echo "status=$status output=$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "$1"* ]]
	[ "${#lines[@]}" -eq 1 ]
	assert_clean
	[ ! -e "$STATE/$ID" ]
}

@test "strict JSON: raw control characters and NUL inside strings" {
	local line
	update_config '.process.args = ["shXx"]'
	line=$(grep -n shXx "$BUNDLE/config.json" | cut -d: -f1)
	poke shXx 'sh\x01x'
	expect_error "oci-parse: config.json: process.args[0]: raw control character 0x01 inside a string at line $line, column 10"
	poke $'sh\x01x' 'sh\tx'
	expect_prefix "oci-parse: config.json: process.args[0]: raw control character 0x09 inside a string at line $line"
	poke $'sh\tx' 'sh\x00x'
	expect_prefix "oci-parse: config.json: process.args[0]: raw NUL byte inside a string at line $line"
}

@test "strict JSON: \\u0000 in an argument, a mount destination, an env entry, a key" {
	update_config '.process.args = ["/bin/true\u0000 --really"]'
	expect_prefix 'oci-parse: config.json: process.args[0]: \u0000 inside a string at line '
	update_config '.process.args = ["true"] | .mounts[1].destination = "/proc\u0000/sys"'
	expect_prefix 'oci-parse: config.json: mounts[1].destination: \u0000 inside a string at line '
	update_config '.mounts[1].destination = "/proc" | .process.env += ["A=b\u0000c"]'
	expect_prefix 'oci-parse: config.json: process.env[2]: \u0000 inside a string at line '
	update_config '.process.env = ["A=b"] | .annotations = {"a\u0000b": "c"}'
	expect_prefix 'oci-parse: config.json: annotations: \u0000 inside a string at line '
}

@test "strict JSON: invalid UTF-8 and unpaired surrogates" {
	local bad
	update_config '.process.args = ["shXx"]'
	# an overlong "/", an encoded surrogate, past U+10FFFF, a cut sequence, a stray continuation
	for bad in '\xc0\xaf' '\xed\xa0\x80' '\xf4\x90\x80\x80' '\xe2\x82' '\x80'; do
		cp "$BUNDLE/config.json" "$BUNDLE/good.json"
		poke shXx "sh${bad}x"
		expect_prefix "oci-parse: config.json: process.args[0]: invalid UTF-8 inside a string at line "
		mv "$BUNDLE/good.json" "$BUNDLE/config.json"
	done
	poke shXx 'sh\ud800x'
	expect_prefix 'oci-parse: config.json: process.args[0]: unpaired UTF-16 surrogate \ud800 at line '
	poke 'sh\ud800x' 'sh\udc00\ud800x'
	expect_prefix 'oci-parse: config.json: process.args[0]: unpaired UTF-16 surrogate \udc00 at line '
}

@test "strict JSON: valid UTF-8 and surrogate pairs reach the container intact" {
	update_config '.process.args = ["/bin/echo", "é€\ud83d\ude00"]'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "é€😀" ]
}

@test "strict JSON: trailing data, duplicate keys, keys that differ only in case" {
	update_config '.process.args = ["true"]'
	cp "$BUNDLE/config.json" "$BUNDLE/good.json"
	printf ' {}' >> "$BUNDLE/config.json"
	expect_prefix "oci-parse: config.json: trailing data after the JSON value at line "
	printf '{}{}' > "$BUNDLE/config.json"
	expect_error "oci-parse: config.json: trailing data after the JSON value at line 1, column 3"
	cp "$BUNDLE/good.json" "$BUNDLE/config.json"
	poke '"terminal": false' '"terminal": false, "terminal": true'
	expect_prefix 'oci-parse: config.json: process: duplicate key "terminal" at line '
	cp "$BUNDLE/good.json" "$BUNDLE/config.json"
	poke '"terminal": false' '"terminal": false, "Terminal": true'
	expect_error 'oci-parse: config.json: process: keys "terminal" and "Terminal" differ only in case (runc reads them as one field)'
	cp "$BUNDLE/good.json" "$BUNDLE/config.json"
	update_config 'del(.process.cwd) | .process.CWD = "/tmp"'
	expect_error 'oci-parse: config.json: process.CWD: key differs from "cwd" only in case'
	# Go folds U+017F (long s) to S: runc would read "argſ" as args
	cp "$BUNDLE/good.json" "$BUNDLE/config.json"
	update_config '.process["argſ"] = ["sh"]'
	expect_error 'oci-parse: config.json: process: keys "args" and "argſ" differ only in case (runc reads them as one field)'
}

@test "strict JSON: type errors name the field and never become defaults" {
	update_config '.linux.resources = "x"'
	expect_error "oci-parse: config.json: linux.resources: expected an object"
	update_config '.linux.resources = {} | .process.env = {"A": "b"}'
	expect_error "oci-parse: config.json: process.env: expected an array"
	update_config '.process.env = ["A=b"] | .process.noNewPrivileges = 1'
	expect_error "oci-parse: config.json: process.noNewPrivileges: expected true or false"
	update_config '.process.noNewPrivileges = true | .process.user.gid = 1.5'
	expect_error "oci-parse: config.json: process.user.gid: expected an integer"
	poke '"gid": 1.5' '"gid": 1e3'
	expect_error "oci-parse: config.json: process.user.gid: expected an integer"
	poke '"gid": 1e3' '"gid": 99999999999999999999999'
	expect_error "oci-parse: config.json: process.user.gid: 99999999999999999999999 is out of range [0, 4294967294]"
	poke '"gid": 99999999999999999999999' '"gid": 0'
	update_config '.linux.resources.pids = {"limit": 12345}'
	poke '12345' '9223372036854775808'
	expect_error "oci-parse: config.json: linux.resources.pids.limit: 9223372036854775808 is out of range [-9223372036854775807, 9223372036854775807]"
}

@test "strict JSON: the 2015 pair: a device's permissions or fileMode of another type is an error, not a default" {
	local fix=$BATS_TEST_DIRNAME/fixtures/2015
	rm "$BUNDLE/config.json"
	cp "$fix/config.json" "$BUNDLE/config.json"
	jq '.linux.devices[0].permissions = 5' "$fix/runtime.json" > "$BUNDLE/runtime.json"
	jq --arg r "$(shared_rootfs)" '.root.path = $r' "$BUNDLE/config.json" > "$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	expect_error "oci-parse: runtime.json: linux.devices.permissions: expected a string"
	jq '.linux.devices[0].fileMode = 1e300' "$fix/runtime.json" > "$BUNDLE/runtime.json"
	expect_error "oci-parse: runtime.json: linux.devices[0].fileMode: expected an integer"
	jq '.linux.devices[0].fileMode = "0666"' "$fix/runtime.json" > "$BUNDLE/runtime.json"
	expect_error "oci-parse: runtime.json: linux.devices[0].fileMode: expected a number"
}
