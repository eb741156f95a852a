#!/usr/bin/env bats
# runc features: the JSON says what this build does, and the build does it.
load helpers

setup() {
	setup_bundle
	FEAT=$("$RUNC" features)
}

teardown() {
	teardown_bundle
}

# parse: oci-parse of the bundle, no state dir, nothing run
parse() {
	"$ROOT/bin/oci-parse" --bundle="$BUNDLE" --id="$ID" true 3>&-
}

# secure LINES...: oci-secure alone on a hand-written spec
secure() {
	local f=$BATS_TEST_TMPDIR/spec
	{ echo "ocispec 1"; printf '%s\n' "$@"; } > "$f"
	"$ROOT/bin/oci-secure" true 3< "$f"
}

@test "features: runc's keys, the versions, the hooks, no arguments" {
	[ "$(jq -r .ociVersionMin <<< "$FEAT")" = 1.0.0 ]
	[ "$(jq -r .ociVersionMax <<< "$FEAT")" = "$("$RUNC" --version | sed -n 's/^spec: //p')" ]
	[ "$(jq -c .hooks <<< "$FEAT")" = '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' ]
	[ "$(jq -c '.linux | keys' <<< "$FEAT")" = '["apparmor","capabilities","cgroup","intelRdt","mountExtensions","namespaces","seccomp","selinux"]' ]
	[ "$(jq -r '.annotations["org.opencontainers.runc.version"]' <<< "$FEAT")" = "$("$RUNC" --version | sed -n 's/^runc version //p')" ]
	[ "$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<< "$FEAT")" = "$(pkg-config --modversion libseccomp)" ]
	# runc's layout: four spaces a level
	[ "$(sed -n 2p <<< "$FEAT")" = '    "ociVersionMin": "1.0.0",' ]
	run "$RUNC" features extra
	[ "$status" -eq 1 ]
	[ "$output" = "runc: features: no arguments expected" ]
	# a config at either end of the range parses; 2.0 does not
	update_config '.ociVersion = "1.0.0"'
	parse
	update_config ".ociVersion = \"$(jq -r .ociVersionMax <<< "$FEAT")\""
	parse
	update_config '.ociVersion = "2.0.0"'
	run parse
	[ "$status" -eq 100 ]
}

@test "features: every mount option listed is one oci-parse accepts and oci-mount applies" {
	local n=0 o
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/orig.json"
	for o in $(jq -r '.mountOptions[]' <<< "$FEAT"); do
		update_config ".mounts = [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"$o\"]}]"
		out=$("$ROOT/bin/oci-parse" --bundle="$BUNDLE" --id="$ID" sh -c 'grep "^mount /tmp " <&3' 3>&-) ||
			{ echo "oci-parse refuses $o"; return 1; }
		# a flag, not filesystem data: the data field (the last) stays empty
		[ "${out##* }" = - ] || { echo "$o went to the data: $out"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 50 ]
	cp "$BATS_TEST_TMPDIR/orig.json" "$BUNDLE/config.json"
	# the recursive ones really apply: rro makes the container's /tmp read-only
	update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["rro", "nosuid"]}]'
	set_args sh -c 'touch /tmp/x 2>/dev/null && echo writable || echo read-only'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = read-only ]
	assert_clean
}

@test "features: every namespace listed is one the chain creates" {
	local ns
	update_config 'del(.hostname)'
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/orig.json"
	for ns in $(jq -r '.linux.namespaces[]' <<< "$FEAT"); do
		cp "$BATS_TEST_TMPDIR/orig.json" "$BUNDLE/config.json"
		update_config ".linux.namespaces = [{\"type\": \"mount\"}, {\"type\": \"$ns\"}] | .linux.namespaces |= unique_by(.type)"
		[ "$ns" != user ] || update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
		parse || { echo "oci-parse refuses $ns"; return 1; }
	done
	# the container gets them all but user (its files would need owners in the mapping)
	cp "$BATS_TEST_TMPDIR/orig.json" "$BUNDLE/config.json"
	update_config ".linux.namespaces = [$(jq -c '.linux.namespaces[] | select(. != "user") | {type: .}' <<< "$FEAT" | paste -sd,)]"
	set_args sh -c 'readlink /proc/self/ns/time'
	run runc run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" != "$(readlink /proc/self/ns/time)" ]
	assert_clean
}

@test "features: every capability listed is one oci-secure takes; others are refused" {
	local c list
	list=$(jq -r '.linux.capabilities | join(",")' <<< "$FEAT")
	[[ ",$list," == *",CAP_SYS_ADMIN,"* ]]
	secure "cap.bounding $list" "cap.effective -" "cap.permitted -" "cap.inheritable -" "cap.ambient -" 2>/dev/null
	for c in $(jq -r '.linux.capabilities[]' <<< "$FEAT"); do
		secure "cap.bounding $c" 2>/dev/null || { echo "oci-secure refuses $c"; return 1; }
	done
	run secure "cap.bounding CAP_NOT_A_CAPABILITY"
	[ "$status" -eq 100 ]
}

@test "features: seccomp actions, operators, architectures and flags are the ones oci-secure takes" {
	[ "$(jq -r .linux.seccomp.enabled <<< "$FEAT")" = true ]
	local a
	for a in $(jq -r '.linux.seccomp.actions[]' <<< "$FEAT"); do
		secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.listener /agent.sock" "seccomp.syscall mkdir $a -" ||
			{ echo "refused: $a"; return 1; }
	done
	for a in $(jq -r '.linux.seccomp.operators[]' <<< "$FEAT"); do
		secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.syscall mkdir SCMP_ACT_ERRNO - 1:$a:448:0" ||
			{ echo "refused: $a"; return 1; }
	done
	for a in $(jq -r '.linux.seccomp.archs[]' <<< "$FEAT"); do
		secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.arch $a" || { echo "refused: $a"; return 1; }
	done
	for a in $(jq -r '.linux.seccomp.knownFlags[]' <<< "$FEAT"); do
		run secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.flag $a"
		[ "$status" -ne 100 ] || { echo "unknown: $a"; return 1; }
	done
	for a in $(jq -r '.linux.seccomp.supportedFlags[]' <<< "$FEAT"); do
		jq -e --arg a "$a" '.linux.seccomp.knownFlags | index($a)' <<< "$FEAT" > /dev/null
		secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.flag $a" || { echo "refused: $a"; return 1; }
	done
	# what is not listed is refused
	[ "$(jq '.linux.seccomp.actions | index("SCMP_ACT_FOO")' <<< "$FEAT")" = null ]
	run secure "seccomp.default SCMP_ACT_ALLOW -" "seccomp.syscall mkdir SCMP_ACT_FOO -"
	[ "$status" -eq 100 ]
	# and a listed action works in a container
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/d 2>/dev/null && echo made || echo refused'
	run runc run "$ID"
	[ "$output" = refused ]
	assert_clean
}

@test "features: cgroup drivers, LSMs and what this build refuses" {
	[ "$(jq -c .linux.cgroup <<< "$FEAT")" = '{"v1":true,"v2":true,"systemd":true,"systemdUser":false,"rdma":true}' ]
	# --systemd-cgroup is never ignored: without systemd (here) it is refused
	run "$RUNC" --root "$STATE" --systemd-cgroup run "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *systemd* ]]
	# rdma true: taken (tests/e2e/resources.bats writes it)
	update_config '.linux.resources.rdma = {"mlx5_1": {"hcaHandles": 3}}'
	run parse
	[ "$status" -eq 0 ]
	update_config 'del(.linux.resources.rdma)'
	# intelRdt and idmapped mounts disabled: refused
	[ "$(jq -r .linux.intelRdt.enabled <<< "$FEAT")" = false ]
	update_config '.linux.intelRdt = {"closID": "x"}'
	run parse
	[ "$status" -eq 100 ]
	update_config 'del(.linux.intelRdt)'
	[ "$(jq -r .linux.mountExtensions.idmap.enabled <<< "$FEAT")" = false ]
	update_config '.mounts += [{"destination": "/tmp", "type": "bind", "source": "/tmp", "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}]'
	run parse
	[ "$status" -eq 100 ]
	# the LSMs: as built
	local aa=false se=false
	pkg-config --exists libapparmor && aa=true
	pkg-config --exists libselinux && se=true
	[ "$(jq -r .linux.apparmor.enabled <<< "$FEAT")" = $aa ]
	[ "$(jq -r .linux.selinux.enabled <<< "$FEAT")" = $se ]
	# checkpoint and restore are built in (criu itself is a run-time need)
	[ "$(jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]' <<< "$FEAT")" = true ]
	run "$RUNC" checkpoint --help
	[ "$status" -eq 0 ]
	run "$RUNC" restore --help
	[ "$status" -eq 0 ]
}
