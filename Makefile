# avro-registry: one non-recursive Makefile.
#   make            release build: bin/avro-registry, bin/avroreg, the taxi example, and
#                   lib/libavroreg.{a,so} with lib/pkgconfig/avroreg.pc
#   make test       install missing Debian packages, build under ASan+UBSan, run every test,
#                   the TSAN suites, short fuzz runs and fmt-check (see `test:` below)
#   make ci         what CI runs (.ci/run): make test, and make lint as one more test line
#   make check      the sanitizer build of everything, without running tests
#   make clang      everything built with clang, -O0 (build/clang)
#   make tsan       the server and unit tests under ThreadSanitizer (build/tsan)
#   make bench      benchmarks (print figures; never part of the tests)
#   make soak       10 minutes of mixed load (SOAK_SECONDS) with memory and latency bounds,
#                   200 SIGKILL cycles, the memory and head-of-line suites on the release
#                   build (scripts/run-soak; never part of make test)
#   make fmt/lint   clang-format in place / clang-tidy + cppcheck
#   make fmt-check  fails when clang-format would change a file

CC      ?= cc
PKGS    := jansson sqlite3 libpq libmicrohttpd avro-c libcurl rdkafka gnutls nettle libsodium libpcre2-8
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -fno-common
BASE_CFLAGS := -fPIC -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. -MMD -MP \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

# FLAVOR: release (-O2), check (ASan+UBSan) or tsan (ThreadSanitizer).
FLAVOR  ?= release
ifeq ($(FLAVOR),check)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(FLAVOR),tsan)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
else
OPT     := -O2 -g
endif
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(CFLAGS)
LDFLAGS_ALL := $(OPT) $(LDFLAGS)

# BUILD: the folder for objects, test programs and (except for the default release
# build, which fills bin/ and lib/) programs and libraries. Another compiler gets its own:
# `make clang` builds in build/clang-check.
BUILD ?= build/$(FLAVOR)
B := $(BUILD)
ifeq ($(B),build/release)
BINDIR := bin
LIBDIR := lib
else
BINDIR := $(B)/bin
LIBDIR := $(B)/lib
endif

CORE_SRC := $(wildcard common/*.c) $(wildcard schemas/*.c) $(wildcard compat/*.c) \
            $(wildcard storage/*.c)
SERVER_SRC := $(wildcard server/*.c)
CLIENT_SRC := $(wildcard client/*.c)
CLI_SRC  := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/%.o) $(B)/build/gen/ui_assets.o
SERVER_LIB_OBJ := $(filter-out $(B)/server/main.o,$(SERVER_OBJ))
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/%.o)
# libavroreg as users get it: the client plus the schema model it stands on
# (password hashing is the server's and avroreg's only).
LIB_OBJ := $(CLIENT_OBJ) $(filter-out $(B)/storage/% $(B)/common/pwhash.o,$(CORE_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all run test check bench fmt lint clean deps unit
all: $(BINDIR)/avroreg $(BINDIR)/avro-registry $(BINDIR)/taxi-producer $(BINDIR)/taxi-consumer \
     $(LIBDIR)/libavroreg.a $(LIBDIR)/libavroreg.so $(LIBDIR)/pkgconfig/avroreg.pc

# Keep the objects of test programs and examples that make would delete as intermediates.
.SECONDARY:

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $(FLAVOR) $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/libsrcore.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/libsrclient.a: $(CLIENT_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BINDIR)/avroreg: $(CLI_OBJ) $(B)/libsrclient.a $(B)/libsrcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $(FLAVOR) $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# The taxi example links the library the way a user's program would.
$(BINDIR)/taxi-%: $(B)/examples/taxi/%.o $(B)/libsrclient.a $(B)/libsrcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $(FLAVOR) $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(B)/examples/%.o: examples/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    $(FLAVOR) $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Iinclude -c $< -o $@

$(LIBDIR)/libavroreg.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Only the avroreg_ functions are exported from the shared library.
$(LIBDIR)/libavroreg.so: $(LIB_OBJ) client/libavroreg.map
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) -shared -Wl,-soname,libavroreg.so -Wl,--version-script=client/libavroreg.map \
	  -o $@ $(LIB_OBJ) -Wl,--as-needed $(LIBS)

$(LIBDIR)/pkgconfig/avroreg.pc: client/avroreg.pc.in
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(CURDIR)|' \
	  $(if $(filter lib,$(LIBDIR)),,-e 's|^libdir=.*|libdir=$(CURDIR)/$(LIBDIR)|') $< > $@

$(B)/libsrserver.a: $(SERVER_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BINDIR)/avro-registry: $(B)/server/main.o $(B)/libsrserver.a $(B)/libsrcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $(FLAVOR) $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libsrserver.a $(B)/libsrclient.a $(B)/libsrcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $(FLAVOR) $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) -lcmocka

unit: $(UNIT_BIN) $(BINDIR)/avroreg $(BINDIR)/avro-registry $(BINDIR)/taxi-producer \
      $(BINDIR)/taxi-consumer

deps:
	@scripts/install-deps

# ThreadSanitizer: the server and the unit tests in build/tsan. make test runs the unit
# tests named in TSAN_UNIT and the concurrency API suite on them, so it builds only those.
TSAN_UNIT := test_storage test_registry test_workq
.PHONY: tsan tsan-bins tsan-test clang
tsan:
	@$(MAKE) --no-print-directory FLAVOR=tsan tsan-bins
tsan-bins: $(UNIT_BIN) $(BINDIR)/avro-registry
tsan-test:
	@$(MAKE) --no-print-directory FLAVOR=tsan $(TSAN_UNIT:%=build/tsan/tests/%) \
	  build/tsan/bin/avro-registry

# clang builds every program, library, test and benchmark with -Werror too, in build/clang.
# At -O0: clang's warnings come from its front end, which the optimiser does not change
# (gcc's do depend on it: the check and release builds cover -O1 and -O2), and -O0 links
# every `inline` function through its external definition, so a missing one shows.
clang:
	@$(MAKE) --no-print-directory CC=clang FLAVOR=release OPT=-O0 BUILD=build/clang \
	  all unit bench-bins

# Serves on port 8081 with ./data/registry.db (settings: bin/avro-registry --help).
run: deps
	@$(MAKE) --no-print-directory FLAVOR=release all
	bin/avro-registry --port 8081 --db ./data/registry.db

check: deps
	@$(MAKE) --no-print-directory FLAVOR=check unit

# make test builds everything (gcc: check and release; clang; ThreadSanitizer; the fuzz
# harnesses), then scripts/run-tests runs the unit tests and suites, the TSAN suites,
# FUZZ_TEST_SECONDS of each fuzz harness and make fmt-check, and prints N passed, M failed.
# make ci (.ci/run) is make test with make lint as its last line: lint's static analysis
# takes minutes on a cold cache, which make test's budget has no room for.
FUZZ_TEST_SECONDS ?= 4
TEST_ARGS = --tsan build/tsan --fuzz $(FUZZ_TEST_SECONDS) --rules
# Builds use every core unless make was given -j already.
JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))
.PHONY: ci test-build build-check build-release
test: deps
	@$(MAKE) --no-print-directory $(JOBS) test-build
	@TSAN_UNIT='$(TSAN_UNIT)' scripts/run-tests $(TEST_ARGS) build/check
ci: deps
	@$(MAKE) --no-print-directory $(JOBS) test-build
	@TSAN_UNIT='$(TSAN_UNIT)' scripts/run-tests $(TEST_ARGS) --lint build/check

# The five builds at once, sharing the jobs (one make's link steps overlap another's
# compiles). The generated UI table comes first: every build compiles it.
test-build: build-check build-release clang tsan-test fuzz-build
build-check:
	@$(MAKE) --no-print-directory FLAVOR=check unit
build-release:
	@$(MAKE) --no-print-directory FLAVOR=release all

# make soak: scripts/run-soak on the release build; SOAK_SECONDS=60 for a short run.
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory FLAVOR=release all
	@scripts/run-soak bin/avro-registry

bench:
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory FLAVOR=release all bench-bins
	@scripts/run-bench

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
.PHONY: bench-bins
bench-bins: $(BENCH_BIN)
$(B)/bench/%: $(B)/bench/%.o $(B)/libsrclient.a $(B)/libsrcore.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $(FLAVOR) $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# The web UI: the files of ui/ become a C table (server/ui.h) that the server
# serves under /ui/. The generator is a small C program built and run here.
UI_FILES := $(sort $(wildcard ui/*.html ui/*.js ui/*.css ui/*.svg ui/*.txt))
UI_GEN_C := build/gen/ui_assets.c
build/gen/embed_assets: tools/embed_assets.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O1 $(WARN) -o $@ $<
$(UI_GEN_C): build/gen/embed_assets $(UI_FILES) ui
	@$(if $(V),,echo "  EMBED $(words $(UI_FILES)) files of ui/")
	$(Q)build/gen/embed_assets $@ $(UI_FILES)
# make test's builds run side by side: the table is made once, before any of them.
build-check build-release clang tsan-test: $(UI_GEN_C)

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_FILES)

# make lint: clang-tidy (.clang-tidy) and cppcheck over every C file git knows (or only the
# LINT_FILES given); clean results are cached in build/lint-cache (see scripts/lint).
# make fmt-check: clang-format would change nothing.
LINT_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. -Iinclude \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
.PHONY: fmt-check
lint:
	@LINT_CFLAGS='$(LINT_CFLAGS)' scripts/lint $(LINT_FILES)

fmt-check:
	@clang-format --dry-run -Werror $(FMT_FILES)

clean:
	rm -rf build bin lib

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- fuzzing: libFuzzer harnesses in tests/fuzz (clang) ----
#   make fuzz                builds build/fuzz/fuzz_* and runs each for FUZZ_SECONDS
#   make fuzz-build          builds them only
#   make test                runs each for FUZZ_TEST_SECONDS (scripts/run-tests --fuzz)
# New inputs go to build/fuzz/corpus/NAME, crashes to build/fuzz/artifacts/NAME;
# tests/fuzz/corpus/NAME is read as seeds. See tests/fuzz/README.md.
# Every source is compiled once into build/fuzz/obj (with coverage, ASan and UBSan) and
# linked into each harness that needs it.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_ARGS    ?=
FUZZ_DIR     := build/fuzz
FUZZ_NAMES   := schema schema_arena compat frame router
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SAN     := address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. -MMD -MP \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
FUZZ_SRC_schema := $(wildcard common/*.c schemas/*.c)
FUZZ_SRC_schema_arena := $(FUZZ_SRC_schema)
FUZZ_SRC_compat := $(FUZZ_SRC_schema) $(wildcard compat/*.c)
# fuzz_frame.c includes client/serde.c for its static payload check
FUZZ_SRC_frame  := $(FUZZ_SRC_compat) $(filter-out client/serde.c,$(wildcard client/*.c))
FUZZ_SRC_router := $(FUZZ_SRC_compat) $(wildcard storage/*.c) \
                   $(filter-out server/main.c,$(wildcard server/*.c)) $(UI_GEN_C)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    fuzz $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
# fuzz_schema_arena is fuzz_schema.c with common/jalloc.h's arena under jansson.
$(FUZZ_DIR)/obj/tests/fuzz/fuzz_schema_arena.o: tests/fuzz/fuzz_schema.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC    fuzz $< (FUZZ_JALLOC)")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_JALLOC -c $< -o $@

$(foreach n,$(FUZZ_NAMES),$(eval $(FUZZ_DIR)/fuzz_$(n): \
  $(FUZZ_DIR)/obj/tests/fuzz/fuzz_$(n).o $(FUZZ_SRC_$(n):%.c=$(FUZZ_DIR)/obj/%.o)))
$(FUZZ_BIN):
	@echo "  FUZZ  $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LIBS)

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	  echo "  RUN   fuzz_$$n for $(FUZZ_SECONDS)s"; \
	  scripts/run-fuzz $$n $(FUZZ_SECONDS) $(FUZZ_DIR)/corpus/$$n $(FUZZ_ARGS) || exit 1; \
	done
