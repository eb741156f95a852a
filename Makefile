# One non-recursive GNU Makefile (STYLE.md 3.11). `make` builds every
# program into bin/; `make test` runs every test; `make demo` runs a
# container. Link lists per program are below (`make print-libs`).

PKG      ?= pkg-config
CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 \
            -fstack-protector-strong -Ishared -Istages
TESTFLAGS ?=

HAVE_APPARMOR := $(shell $(PKG) --exists libapparmor && echo 1)
HAVE_SELINUX  := $(shell $(PKG) --exists libselinux && echo 1)
LSM_CFLAGS    := $(if $(HAVE_APPARMOR),-DHAVE_APPARMOR) $(if $(HAVE_SELINUX),-DHAVE_SELINUX)
LSM_LIBS      := $(if $(HAVE_SELINUX),$(shell $(PKG) --static --libs libselinux)) \
                 $(if $(HAVE_APPARMOR),$(shell $(PKG) --static --libs libapparmor))

STAGES    := $(patsubst stages/%.c,bin/%,$(wildcard stages/oci-*.c))
LIFECYCLE := $(patsubst lifecycle/%.c,bin/%,$(wildcard lifecycle/oci-*.c))
PROGRAMS  := $(STAGES) $(LIFECYCLE)
# the example shell stages (oci-audit, oci-policy, oci-inject) and the
# oci-stage.sh they source: copied next to the programs, installed with them
EXAMPLES  := $(patsubst stages/examples/%,bin/%,$(wildcard stages/examples/oci-*))
SHARED    := $(patsubst %.c,build/%.o,$(wildcard shared/*.c))
FIXTURES  := $(patsubst tests/e2e/fixtures/%.c,build/fixtures/%,$(wildcard tests/e2e/fixtures/*.c))
UNITS     := $(patsubst tests/unit/%.c,build/tests/%,$(wildcard tests/unit/test-*.c))

# Link lists: who links what. Everything after oci-parse is static.
LIBS_oci-parse   := $(shell $(PKG) --libs libcjson) -lm
LIBS_oci-spec    :=
LIBS_oci-secure  := -static $(shell $(PKG) --static --libs libseccomp libcap) $(LSM_LIBS)
LIBS_oci-cgroup  := -static
LIBS_oci-ns      := -static
LIBS_oci-criu    := -static
LIBS_oci-mount   := -static
LIBS_oci-exec    := -static $(LSM_LIBS)
LIBS_oci-add     := -static
LIBS_oci-fail    := -static
LIBS_oci-delete  := -static
LIBS_oci-kill    := -static
LIBS_oci-start   := -static
LIBS_oci-state   := -static
LIBS_oci-pause   := -static
LIBS_oci-ps      := -static
LIBS_oci-events  := -static
LIBS_oci-update  := $(shell $(PKG) --libs libcjson) -lm
LIBS_oci-checkpoint := -static
LIBS_oci-features := -static $(shell $(PKG) --static --libs libseccomp libcap)
CFLAGS_oci-secure := $(LSM_CFLAGS)
CFLAGS_oci-exec   := $(LSM_CFLAGS)
CFLAGS_oci-features := $(LSM_CFLAGS)

# The programs that link nothing but libc are built with musl when musl-gcc is
# installed (tests/deps installs musl-tools), glibc static otherwise: musl's
# static start-up takes ~15 page faults to glibc's ~35 and about 1 ms less CPU
# per exec on this VM (`perf stat -e task-clock,page-faults -r 200 bin/oci-cgroup
# --bogus`: 0.6-1.0 ms against 1.4-2.9). shared/musl/ has what glibc's headers
# give and musl's lack, and glibc's strerror texts: an error line reads the same.
MUSLCC   ?= $(shell command -v musl-gcc 2>/dev/null)
MUSL_PROGRAMS := $(if $(MUSLCC),$(addprefix bin/,oci-cgroup oci-ns oci-mount oci-add oci-fail oci-delete oci-kill \
                   oci-start oci-state oci-pause oci-ps oci-events oci-checkpoint))
MUSL_PROGRAMS += $(if $(MUSLCC),bin/oci-criu)
MUSL_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) -Ibuild/musl -idirafter shared/musl \
               -idirafter build/musl/include -include shared/musl/compat.h
MUSL_SHARED := $(patsubst %.c,build/musl/%.o,$(filter-out shared/json.c shared/jsonstrict.c shared/resjson.c,\
                 $(wildcard shared/*.c))) build/musl/shared/musl/malloc.o
MULTIARCH   := $(shell $(CC) -print-multiarch 2>/dev/null)

all: $(PROGRAMS) $(EXAMPLES) bin/probe $(FIXTURES)

build/shared/%.o: shared/%.c $(wildcard shared/*.h) | build/shared
	$(CC) $(CFLAGS) -c -o $@ $<
build/shared build/tests:
	mkdir -p $@
build/libshared.a: $(SHARED)
	$(AR) rcs $@ $^

bin/%: stages/%.c build/libshared.a $(wildcard shared/*.h)
	$(CC) $(CFLAGS) $(CFLAGS_$*) -o $@ $< $(EXTRA_$*) build/libshared.a $(LIBS_$*)
# oci-parse's other files: the 2015 format, converted to today's; exec mode
EXTRA_oci-parse := stages/parse-2015.c stages/parse-exec.c
bin/oci-parse: stages/parse-2015.c stages/parse-2015.h stages/parse-exec.c stages/parse-exec.h
# oci-cgroup's drivers (stages/cgroup-drv.h): v1, v2 and, when present, systemd
EXTRA_oci-cgroup := $(wildcard stages/cgroup-*.c)
bin/oci-cgroup: $(wildcard stages/cgroup-*.c) stages/cgroup-drv.h
bin/%: lifecycle/%.c build/libshared.a $(wildcard shared/*.h)
	$(CC) $(CFLAGS) $(CFLAGS_$*) -o $@ $< build/libshared.a $(LIBS_$*)
# musl: linux/ and asm/ from the kernel headers glibc uses; errtab.h from glibc itself
build/musl/shared:
	mkdir -p $@/musl
build/musl/include:
	mkdir -p $@
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/$(MULTIARCH)/asm $@/asm
	ln -sfn /usr/include/asm-generic $@/asm-generic
build/musl/errtab.h: shared/musl/errtab.c | build/musl/shared
	$(CC) -o build/musl/errtab $<
	build/musl/errtab > $@
build/musl/shared/%.o: shared/%.c $(wildcard shared/*.h shared/musl/*.h shared/musl/sys/*.h) build/musl/errtab.h \
  | build/musl/shared build/musl/include
	$(MUSLCC) $(MUSL_CFLAGS) -c -o $@ $<
# musl's own malloc maps and unmaps as blocks come and go: shared/musl/malloc.c
build/musl/shared/musl/malloc.o: shared/musl/malloc.c build/musl/errtab.h | build/musl/shared build/musl/include
	$(MUSLCC) $(MUSL_CFLAGS) -c -o $@ $<
build/musl/libshared.a: $(MUSL_SHARED)
	$(AR) rcs $@ $^
$(filter $(STAGES),$(MUSL_PROGRAMS)): bin/%: stages/%.c build/musl/libshared.a $(wildcard shared/*.h)
	$(MUSLCC) $(MUSL_CFLAGS) $(CFLAGS_$*) -static -o $@ $< $(EXTRA_$*) build/musl/libshared.a
$(filter $(LIFECYCLE),$(MUSL_PROGRAMS)): bin/%: lifecycle/%.c build/musl/libshared.a $(wildcard shared/*.h)
	$(MUSLCC) $(MUSL_CFLAGS) $(CFLAGS_$*) -static -o $@ $< build/musl/libshared.a
$(EXAMPLES): bin/%: stages/examples/%
	install -m 755 $< $@
# the in-container helper for tests: static so it runs inside any rootfs
bin/probe: tests/stage/probe.c build/libshared.a
	$(CC) $(CFLAGS) -static -o $@ $< build/libshared.a
# test fixtures (tests/e2e/fixtures/*.c): static, so they run in any rootfs
build/fixtures/%: tests/e2e/fixtures/%.c | build/fixtures
	$(CC) $(CFLAGS) -static -o $@ $<
build/fixtures:
	mkdir -p $@

# Unit tests run under ASan+UBSan, built from the shared sources directly.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/tests/%: tests/unit/%.c $(wildcard shared/*.c shared/*.h) | build/tests
	$(CC) $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) -O1 $(SAN) -o $@ $< $(wildcard shared/*.c) \
	  $(shell $(PKG) --libs libcjson) -lm

print-libs:
	@$(foreach p,$(PROGRAMS),echo "$(notdir $(p)): $(LIBS_$(notdir $(p)))";)

# `make test` runs everything and ends with "N passed, N failed".
# TESTFLAGS go to bats (e.g. TESTFLAGS="--filter legacy").
# The deps are installed first, then make runs again so that pkg-config
# sees them (a fresh machine has none of the -dev packages yet).
test:
	@tests/deps
	@$(MAKE) --no-print-directory all units
	@tests/run $(TESTFLAGS)
check: test
# `make test-v2`: the stage and e2e suites in a qemu guest booted with
# Debian 12's kernel on a pure cgroup v2 hierarchy, then the systemd
# tests under systemd and the criu tests on v1 hybrid (tests/guest/test).
test-v2:
	@tests/deps
	@tests/guest/deps
	@$(MAKE) --no-print-directory all
	@tests/guest/test $(TESTFLAGS)
units: $(UNITS)

# `make bench`: this build against crun and runc, interleaved round by
# round, each in the same wrapper (tests/bench/run --help; BENCHFLAGS go
# to it). `make bench-stages`: per stage wall and CPU from --debug logs.
BENCH := build/bench/wrap build/bench/drive
BENCHFLAGS ?=
build/bench/%: tests/bench/%.c | build/bench
	$(CC) $(CFLAGS) -static -o $@ $<
build/bench:
	mkdir -p $@
bench:
	@tests/deps
	@$(MAKE) -s --no-print-directory all $(BENCH)
	@tests/bench/run $(BENCHFLAGS)
bench-stages:
	@tests/deps
	@$(MAKE) -s --no-print-directory all $(BENCH)
	@tests/bench/run --stages $(BENCHFLAGS)

demo:
	@tests/deps
	@$(MAKE) --no-print-directory all
	@tests/demo

deps:
	@tests/deps

# `make fuzz`: libFuzzer harnesses (tests/fuzz/) with ASan+UBSan over the
# config reader, the spec reader and state.json, FUZZ_SECONDS in all
# (shared among FUZZ_TARGET). Needs clang and libclang-rt-14-dev.
FUZZ_SECONDS ?= 600
FUZZ_TARGET  ?= config spec state
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -Ishared -Istages \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build/fuzz:
	mkdir -p $@
build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(wildcard shared/*.c shared/*.h stages/*.c stages/*.h) | build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(wildcard shared/*.c) $(if $(filter config,$*),$(EXTRA_oci-parse)) \
	  $(shell $(PKG) --libs libcjson) -lm
fuzz: all $(FUZZ_TARGET:%=build/fuzz/fuzz-%)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGET)

lint:
	clang-format --dry-run --Werror shared/*.[ch] shared/musl/*.[ch] shared/musl/sys/*.h stages/*.c lifecycle/*.c tests/unit/*.c tests/stage/probe.c \
	  tests/e2e/fixtures/*.c tests/fuzz/*.c tests/bench/*.c
	shellcheck -s sh bin/runc
	shellcheck -x -s sh stages/examples/oci-*
	shellcheck tests/run tests/fuzz/run tests/demo tests/deps tests/bench/run tests/mkrootfs.sh tests/e2e/helpers.bash tests/stage/helpers.bash tests/clients/helpers.bash tests/clients/podman.bash .ci/run
	for m in man/*.[58]; do groff -man -ww -z $$m || exit 1; done
	shellcheck tests/guest/deps tests/guest/init tests/guest/initramfs tests/guest/kernel tests/guest/run tests/guest/stage2 tests/guest/test tests/guest/apparmor
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability -Ishared -Istages -D_GNU_SOURCE \
	  --include=/usr/include/cjson/cJSON.h \
	  --suppress=missingIncludeSystem shared stages lifecycle

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/runc \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 bin/runc $(DESTDIR)$(PREFIX)/bin/runc
	install -m 755 $(PROGRAMS) $(EXAMPLES) $(DESTDIR)$(PREFIX)/libexec/runc/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build $(PROGRAMS) $(EXAMPLES) bin/probe

.PHONY: all test test-v2 check units bench bench-stages demo deps lint install clean print-libs fuzz
.SECONDARY:
