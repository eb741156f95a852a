#!/usr/bin/env bats
# oci-add and oci-fail, the two programs a shell stage uses to add to the
# spec and to refuse it: alone on hand-written specs, then in chains
# composed by hand from a bundle (oci-parse ... oci-exec), where what was
# added must take effect and a failure must leave nothing behind.

load helpers
load ../e2e/helpers
bats_require_minimum_version 1.5.0

export PATH="$ROOT/bin:$PATH"

teardown() {
  teardown_bundle # the chain tests' (setup_bundle): what a failed one left
}

# show: the program after oci-add prints the spec it got, and its seals
SHOW=(sh -c 'cat /proc/self/fd/3; python3 -c "import fcntl; print(\"seals\", fcntl.fcntl(3, fcntl.F_GET_SEALS))"')

@test "oci-add appends one record: the old text is a byte-exact prefix, the new memfd is sealed" {
  local s
  s=$(spec "annotation k v" "env A=1")
  run --separate-stderr oci-add env B=2 -- "${SHOW[@]}" oci-exec 3< "$s"
  [ "$status" -eq 0 ]
  [ "$stderr" = "" ]
  # F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE
  [ "${lines[-1]}" = "seals 15" ]
  [ "$(printf '%s\n' "${lines[@]:0:${#lines[@]}-1}")" = "$(cat "$s"; echo "env B=2")" ]
  # byte for byte, from the same fd (the file's text, then one line)
  oci-add env B=2 -- sh -c 'head -c "$(stat -c %s "$1")" /proc/self/fd/3 | cmp - "$1" &&
    [ "$(tail -c +"$(($(stat -c %s "$1") + 1))" /proc/self/fd/3)" = "env B=2" ]' sh "$s" oci-exec 3< "$s"
}

@test "oci-add escapes its fields: a space, a tab, a backslash, an empty field, a lone dash" {
  local s
  s=$(spec)
  run oci-add arg "a b	c\\d" -- oci-add arg "" -- oci-add arg - -- sh -c 'tail -n 3 /proc/self/fd/3' oci-exec 3< "$s"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 'arg a\040b\011c\134d' ]
  [ "${lines[1]}" = "arg -" ]
  [ "${lines[2]}" = 'arg \055' ]
}

@test "oci-add chained adds records in order; oci-add -- PROG adds nothing and execs PROG" {
  local s
  s=$(spec "env A=1")
  run oci-add env B=2 -- oci-add process.cwd /srv -- oci-add rlimit RLIMIT_NOFILE 10 20 -- \
    sh -c 'cat /proc/self/fd/3' oci-exec 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'ocispec 1\nenv A=1\nenv B=2\nprocess.cwd /srv\nrlimit RLIMIT_NOFILE 10 20')" ]
  # nothing added: fd 3 is still the file, not a new memfd
  run oci-add -- sh -c 'readlink /proc/self/fd/3' 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "$s" ]
  run -127 oci-add -- no-such-stage-oci-add 3< "$s"
  [ "$output" = "oci-add: exec no-such-stage-oci-add: No such file or directory" ]
}

@test "oci-add refuses a pipeline or stage-owned record, naming it, exit 100" {
  local s k
  s=$(spec)
  for k in "state.dir /x" "fd.log 1" "run.mode run" "exit.setup 0" "log.level debug" "secure.cap.bounding 0x0" \
    "secure.bpf 5" "seccomp.default SCMP_ACT_ALLOW" "process.apparmor unconfined" "process.selinux x" \
    "ns.new pid" "ns.sync 5" "idmap.uid 0 1000 1" "exec.pid 1" "root.path /" "root.readonly 0" \
    "cgroup.dir memory /sys/fs/cgroup/memory/x new" "cgroup.path /x" "cgroup.join 5" "cgroup.v2fd 5" \
    "process.terminal 1" "mountlabel x" "nosuch.key x"; do
    # shellcheck disable=SC2086 # the words of the record
    run oci-add $k -- oci-secure oci-cgroup oci-ns oci-mount oci-exec 3< "$s"
    [ "$status" -eq 100 ] || { echo "$k: $status"; return 1; }
    [ "$output" = "oci-add: ${k%% *}: not a record a stage may add" ] || { echo "$k: $output"; return 1; }
  done
}

@test "oci-add refuses a record whose first reader is not ahead in the chain" {
  local s
  s=$(spec)
  run oci-add mount /x tmpfs tmpfs "" "" -- oci-mount oci-exec 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-add: mount: no oci-ns ahead in the chain (a mount record must be added before oci-ns)" ]
  run oci-add cap.bounding CAP_KILL -- oci-cgroup oci-ns oci-mount oci-exec 3< "$s"
  [ "$output" = "oci-add: cap.bounding: no oci-secure ahead in the chain (a cap.bounding record must be added before oci-secure)" ]
  run oci-add cgroup.pids.limit 10 -- oci-ns oci-mount oci-exec 3< "$s"
  [ "$output" = "oci-add: cgroup.pids.limit: no oci-cgroup ahead in the chain (a cgroup.pids.limit record must be added before oci-cgroup)" ]
  run oci-add device /dev/x c 1 3 0666 0 0 -- oci-exec 3< "$s"
  [ "$output" = "oci-add: device: no oci-mount ahead in the chain (a device record must be added before oci-mount)" ]
  run oci-add env A=1 -- true 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-add: env: no oci-exec ahead in the chain (an env record must be added before oci-exec)" ]
  # by base name: a path to the stage counts, a word naming another stage does not
  run oci-add env A=1 -- sh -c 'tail -n 1 /proc/self/fd/3' "$ROOT/bin/oci-exec" 3< "$s"
  [ "$status" -eq 0 ]
  [ "$output" = "env A=1" ]
  run oci-add env A=1 -- echo oci-exec-not 3< "$s"
  [ "$status" -eq 100 ]
}

@test "oci-add in an exec chain (run.mode exec) adds only what an exec uses" {
  local s k
  s=$(spec "run.mode exec")
  for k in "mount /x tmpfs tmpfs - -" "cgroup.pids.limit 10" "hook prestart /bin/true 0 0" "hostname h" \
    "device /dev/x c 1 3 0666 0 0" "annotation k v"; do
    # shellcheck disable=SC2086
    run oci-add $k -- oci-secure oci-cgroup oci-ns oci-mount oci-exec 3< "$s"
    [ "$status" -eq 100 ] || { echo "$k: $status"; return 1; }
    [ "$output" = "oci-add: ${k%% *}: not a record an exec may add (run.mode exec)" ] || { echo "$output"; return 1; }
  done
  for k in "env A=1" "arg x" "rlimit RLIMIT_NOFILE 1 1" "process.cwd /" "process.user 1 1" \
    "process.groups 1,2" "process.umask 022" "process.nnp 1" "cap.ambient -"; do
    # shellcheck disable=SC2086
    run oci-add $k -- sh -c 'tail -n 1 /proc/self/fd/3' oci-secure oci-exec 3< "$s"
    [ "$status" -eq 0 ] || { echo "$k: $output"; return 1; }
  done
  # an exec's oom_score_adj is set by oci-ns, through the container's pidfd
  run oci-add process.oomscoreadj 5 -- oci-exec 3< "$s"
  [ "$output" = "oci-add: process.oomscoreadj: no oci-ns ahead in the chain (a process.oomscoreadj record must be added before oci-ns)" ]
  run oci-add process.oomscoreadj 5 -- sh -c 'tail -n 1 /proc/self/fd/3' oci-ns oci-exec 3< "$s"
  [ "$output" = "process.oomscoreadj 5" ]
}

@test "oci-add checks the fields: count, env, mount, paths, the cgroup value, each refusal one line" {
  local s
  s=$(spec "env A=1") # the added record is line 3
  t() { # t MESSAGE RECORD...: refused with MESSAGE, status 100
    local msg=$1
    shift
    run oci-add "$@" -- oci-secure oci-cgroup oci-ns oci-mount oci-exec 3< "$s"
    [ "$status" -eq 100 ] || { echo "$*: status $status"; return 1; }
    [ "$output" = "oci-add: $msg" ] || { echo "$*: '$output'"; return 1; }
  }
  t "env: 2 fields, needs 1" env A=1 B=2
  t "env: 0 fields, needs 1" env
  t "env: =x: not NAME=VALUE with a non-empty NAME" env =x
  t "env: noequals: not NAME=VALUE with a non-empty NAME" env noequals
  t "rlimit: 2 fields, needs 3" rlimit RLIMIT_NOFILE 10
  t "rlimit: NOFILE is not an RLIMIT_ name" rlimit NOFILE 10 10
  t "mount: 4 fields, needs 5" mount /x tmpfs tmpfs nosuid
  t "mount: destination x is not absolute" mount x tmpfs tmpfs "" ""
  t "mount: /x: empty type" mount /x "" tmpfs "" ""
  t "mount: destination / is the container's root" mount / tmpfs tmpfs "" ""
  t "mount: destination /./.. is the container's root" mount /./.. bind /tmp rbind ""
  t "mount: /x: unknown option in nosuid,bogus" mount /x tmpfs tmpfs nosuid,bogus ""
  t "mount: /x: bind source rel/dir is not absolute" mount /x bind rel/dir rbind ""
  t "mount: /x: bind source rel is not absolute" mount /x none rel rbind,ro ""
  t "process.cwd: srv is not absolute" process.cwd srv
  t "mask: proc/kcore is not absolute" mask proc/kcore
  t "device: 6 fields, needs 7" device /dev/x c 1 3 0666 0
  t "hook: bad argument count 3" hook prestart /bin/true 0 3 a b
  t "hook: x is not absolute" hook prestart x 0 0
  t "hook: unknown kind prestop" hook prestop /bin/true 0 0
  t "hostname: 2 fields, needs 1" hostname a b
  t "sysctl: 1 fields, needs 2" sysctl net.ipv4.ip_forward
  t "spec line 3: bad value for cgroup.pids.limit" cgroup.pids.limit abc
  t "spec line 3: bad cgroup.device" cgroup.device allow x 1 3 rwm
  t "cgroup.memory.bogus: not a record a stage may add" cgroup.memory.bogus 1
  # and what is right passes
  run oci-add mount /x bind /src rbind,ro "" -- sh -c 'tail -n 1 /proc/self/fd/3' oci-ns 3< "$s"
  [ "$output" = "mount /x bind /src rbind,ro -" ]
  run oci-add mount /... tmpfs tmpfs "" size=1m -- sh -c 'tail -n 1 /proc/self/fd/3' oci-ns 3< "$s"
  [ "$output" = "mount /... tmpfs tmpfs - size=1m" ]
  run oci-add cgroup.memory.limit 1048576 -- sh -c 'tail -n 1 /proc/self/fd/3' oci-cgroup 3< "$s"
  [ "$output" = "cgroup.memory.limit 1048576" ]
}

@test "oci-add: a refusal exits with exit.setup when the spec has one, and goes to the --log" {
  local s
  s=$(spec "exit.setup 1" "fd.log 5" "log.format json")
  run oci-add state.dir /x -- oci-exec 3< "$s" 5>> "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 1 ]
  [ "$output" = "oci-add: state.dir: not a record a stage may add" ]
  [ "$(jq -r .msg "$BATS_TEST_TMPDIR/log")" = "oci-add: state.dir: not a record a stage may add" ]
  [ "$(jq -r .level "$BATS_TEST_TMPDIR/log")" = error ]
}

@test "oci-fail: the line NAME: MESSAGE, status 100, --status=N, exit.setup wins, the JSON log" {
  local s
  s=$(spec)
  run oci-fail oci-policy "CAP_SYS_ADMIN" is denied 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-policy: CAP_SYS_ADMIN is denied" ]
  run oci-fail --status=42 my-stage "no" 3< "$s"
  [ "$status" -eq 42 ]
  [ "$output" = "my-stage: no" ]
  s=$(spec "exit.setup 1" "fd.log 5" "log.format json")
  run oci-fail --status=42 my-stage "a \"quoted\" word" 3< "$s" 5>> "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 1 ]
  [ "$output" = 'my-stage: a "quoted" word' ]
  [ "$(jq -r .msg "$BATS_TEST_TMPDIR/log")" = 'my-stage: a "quoted" word' ]
  [ "$(jq -r .level "$BATS_TEST_TMPDIR/log")" = error ]
  # bad usage
  run oci-fail --status=0 x y 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-fail: --status=0: not 1 to 255" ]
  run oci-fail onlyname 3< "$s"
  [ "$status" -eq 100 ]
  [ "$output" = "oci-fail: usage: oci-fail [--status=N] NAME MESSAGE..." ]
}

@test "oci-fail without a readable spec still prints its line and fails" {
  run oci-fail oci-policy no spec here 3<&-
  [ "$status" -eq 100 ]
  [ "$output" = "oci-policy: no spec here" ]
  run oci-fail --status=3 oci-policy malformed 3< <(printf 'not a spec\n')
  [ "$status" -eq 3 ]
  [ "$output" = "oci-policy: malformed" ]
}

# ---- chains composed by hand from a bundle ----

# parse [-N] STAGE...: oci-parse on the test's bundle with its own --root
parse() {
  local expect=()
  [[ "$1" != -[0-9]* ]] || { expect=("$1"); shift; }
  run "${expect[@]}" --separate-stderr oci-parse --bundle="$BUNDLE" --id="$ID" --root="$STATE" "$@"
}

@test "oci-add with a missing PROG exits 127 and tears down: the state dir oci-parse made is gone" {
  setup_bundle
  parse -127 oci-add env A=1 -- no-such-stage-oci-add oci-exec
  [ "$stderr" = "oci-add: exec no-such-stage-oci-add: No such file or directory" ]
  # a refusal too
  parse -100 oci-secure oci-add mount /x tmpfs tmpfs "" "" -- oci-mount oci-exec
  [ "$stderr" = "oci-add: mount: no oci-ns ahead in the chain (a mount record must be added before oci-ns)" ]
  assert_clean
}

@test "oci-fail tears down what exists: the state dir, and after oci-cgroup its cgroups" {
  setup_bundle
  parse -100 oci-fail oci-policy "refused before anything"
  [ "$stderr" = "oci-policy: refused before anything" ]
  assert_clean
  parse -7 oci-secure oci-cgroup oci-fail --status=7 oci-policy "refused after the cgroups"
  [ "$stderr" = "oci-policy: refused after the cgroups" ]
  assert_clean
  # runc's status: exit.setup
  parse -1 --setup-exit=1 oci-secure oci-cgroup oci-fail --status=7 oci-policy "refused"
  assert_clean
}

@test "oci-fail inside the container, after oci-ns: the monitor tears down, no state dir, no cgroup" {
  setup_bundle
  parse -100 oci-secure oci-cgroup oci-ns oci-fail oci-policy "refused inside"
  [ "$stderr" = "oci-policy: refused inside" ]
  assert_clean
  parse -1 --setup-exit=1 oci-secure oci-cgroup oci-ns oci-fail --status=9 oci-policy "refused inside"
  [ "$stderr" = "oci-policy: refused inside" ]
  assert_clean
  # a hand chain without --root: the same, nothing left
  run --separate-stderr oci-parse --bundle="$BUNDLE" --id="$ID" oci-secure oci-cgroup oci-ns oci-mount \
    oci-fail --status=9 oci-policy "refused in oci-mount's place"
  [ "$status" -eq 9 ]
  [ "$stderr" = "oci-policy: refused in oci-mount's place" ]
  assert_clean
}

@test "a later env record wins, once, in the container; env and arg added by a shell stage" {
  setup_bundle
  update_config '.process.env = ["PATH=/bin:/usr/bin", "TERM=xterm", "A=first", "B=b"]'
  set_args sh -c 'env | grep -E "^(A|B|TERM|C)=" | sort | tr "\n" " "; echo "$0"'
  parse oci-secure oci-cgroup oci-add env A=second -- oci-add env C=c -- oci-ns oci-mount \
    oci-add env TERM=dumb -- oci-add env A=third -- oci-add arg extra-arg -- oci-exec
  [ "$status" -eq 0 ]
  [ "$output" = "A=third B=b C=c TERM=dumb extra-arg" ]
  assert_clean
}

@test "added mount, rlimit and cgroup.pids.limit records take effect" {
  setup_bundle
  mkdir "$BATS_TEST_TMPDIR/src"
  echo added-content > "$BATS_TEST_TMPDIR/src/f"
  set_args sh -c 'cat /added/f; touch /added/g 2>/dev/null && echo writable; ulimit -n'
  # a shell stage after oci-cgroup prints the container's pids.max from the cgroup.dir records
  local pids='d=$(awk '\''$1 == "cgroup.dir" && $2 == "pids" { p = $3 } $1 == "cgroup.dir" && $2 == "unified" { u = $3 }
    END { print (p != "" ? p : u) }'\'' /proc/self/fd/3); echo "pids.max $(cat "$d/pids.max")"; exec "$@"'
  parse oci-add cgroup.pids.limit 77 -- oci-secure oci-cgroup sh -c "$pids" sh \
    oci-add mount /added bind "$BATS_TEST_TMPDIR/src" rbind,ro "" -- oci-ns oci-mount \
    oci-add rlimit RLIMIT_NOFILE 123 123 -- oci-exec
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'pids.max 77\nadded-content\n123')" ]
  [ ! -e "$BATS_TEST_TMPDIR/src/g" ]
  assert_clean
}

@test "--debug: oci-add's start, the record it added, as written, and its done line" {
  setup_bundle
  set_args true
  parse --debug --log="$BATS_TEST_TMPDIR/log" oci-secure oci-cgroup oci-add env "X=a b" -- oci-ns oci-mount oci-exec
  [ "$status" -eq 0 ]
  grep -q '^oci-add: start$' "$BATS_TEST_TMPDIR/log"
  [ "$(grep '^oci-add: added' "$BATS_TEST_TMPDIR/log")" = 'oci-add: added env X=a\040b' ]
  grep -Eq '^oci-add: done wall=[0-9.]+ms cpu=[0-9.]+ms$' "$BATS_TEST_TMPDIR/log"
  assert_clean
}

@test "an exec chain by hand: oci-add env and process.cwd take effect; a refusal leaves the container running" {
  setup_bundle
  set_args sleep 100
  create "$ID"
  [ "$status" -eq 0 ]
  runc start "$ID"
  local ex=(oci-parse --root="$STATE" --id="$ID" --mode=exec --arg=sh --arg=-c --arg='echo "$E $(pwd)"')
  run --separate-stderr "${ex[@]}" oci-secure oci-cgroup oci-add env E=added -- oci-add process.cwd /tmp -- \
    oci-ns oci-exec
  [ "$status" -eq 0 ]
  [ "$output" = "added /tmp" ]
  # what an exec does not use is refused before anything, and a failed exec never tears the container down
  run --separate-stderr "${ex[@]}" oci-secure oci-add mount /x tmpfs tmpfs "" "" -- oci-cgroup oci-ns oci-exec
  [ "$status" -eq 100 ]
  [ "$stderr" = "oci-add: mount: not a record an exec may add (run.mode exec)" ]
  run --separate-stderr "${ex[@]}" oci-secure oci-cgroup oci-ns oci-fail oci-policy "no exec here"
  [ "$status" -eq 100 ]
  [ "$stderr" = "oci-policy: no exec here" ]
  [ "$(runc state "$ID" | jq -r .status)" = running ]
  runc delete --force "$ID"
  assert_clean
}
