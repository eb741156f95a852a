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
	expect_error "oci-parse: config.json: malformed JSON at line 2, column 15"
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
