# avro-registry: one non-recursive Makefile.
#   make            release build: bin/avro-registry, bin/avroreg, the taxi example, and
#                   lib/libavroreg.{a,so} with lib/pkgconfig/avroreg.pc
#   make test       install missing Debian packages, build under ASan+UBSan, run every test
#   make check      the sanitizer build of everything, without running tests
#   make bench      benchmarks (print figures; never part of the tests)
#   make fmt/lint   clang-format in place / clang-tidy + cppcheck

CC      ?= cc
PKGS    := jansson sqlite3 libmicrohttpd avro-c libcurl rdkafka gnutls
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -fno-common
BASE_CFLAGS := -fPIC -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. -MMD -MP \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

FLAVOR  ?= release
ifeq ($(FLAVOR),check)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
OPT     := -O2 -g
endif
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(CFLAGS)
LDFLAGS_ALL := $(OPT) $(LDFLAGS)

B := build/$(FLAVOR)

CORE_SRC := $(wildcard common/*.c) $(wildcard schemas/*.c) $(wildcard compat/*.c) \
            $(wildcard storage/*.c)
SERVER_SRC := $(wildcard server/*.c)
CLIENT_SRC := $(wildcard client/*.c)
CLI_SRC  := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/%.o)
SERVER_LIB_OBJ := $(filter-out $(B)/server/main.o,$(SERVER_OBJ))
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/%.o)
# libavroreg as users get it: the client plus the schema model it stands on.
LIB_OBJ := $(CLIENT_OBJ) $(filter-out $(B)/storage/%,$(CORE_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

ifeq ($(FLAVOR),check)
BINDIR := $(B)/bin
else
BINDIR := bin
endif

.PHONY: all run test check bench fmt lint clean deps unit
all: $(BINDIR)/avroreg $(BINDIR)/avro-registry $(BINDIR)/taxi-producer $(BINDIR)/taxi-consumer \
     lib/libavroreg.a lib/libavroreg.so lib/pkgconfig/avroreg.pc

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

lib/libavroreg.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Only the avroreg_ functions are exported from the shared library.
lib/libavroreg.so: $(LIB_OBJ) client/libavroreg.map
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD    $@")
	$(Q)$(CC) -shared -Wl,-soname,libavroreg.so -Wl,--version-script=client/libavroreg.map \
	  -o $@ $(LIB_OBJ) $(LIBS)

lib/pkgconfig/avroreg.pc: client/avroreg.pc.in
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(CURDIR)|' $< > $@

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

# Serves on port 8081 with ./data/registry.db (settings: bin/avro-registry --help).
run: deps
	@$(MAKE) --no-print-directory FLAVOR=release all
	bin/avro-registry --port 8081 --db ./data/registry.db

check: deps
	@$(MAKE) --no-print-directory FLAVOR=check unit

test: deps
	@$(MAKE) --no-print-directory FLAVOR=check unit
	@$(MAKE) --no-print-directory FLAVOR=release all
	@scripts/run-tests build/check

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

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_FILES)

lint:
	clang-tidy --quiet $(CORE_SRC) $(SERVER_SRC) $(CLIENT_SRC) $(CLI_SRC) -- $(BASE_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  --suppress=missingIncludeSystem -I. common schemas compat storage server client cli

clean:
	rm -rf build bin lib

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- fuzzing: libFuzzer harnesses in tests/fuzz (clang); never part of `make test` ----
#   make fuzz                builds build/fuzz/fuzz_* and runs each for FUZZ_SECONDS
#   make fuzz-build          builds them only
# New inputs go to build/fuzz/corpus/NAME, crashes to build/fuzz/artifacts/NAME;
# tests/fuzz/corpus/NAME is read as seeds. See tests/fuzz/README.md.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_ARGS    ?=
FUZZ_DIR     := build/fuzz
FUZZ_NAMES   := schema schema_arena compat frame router
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
# clang's -Wformat-nonliteral also flags the va_list wrappers gcc accepts (server/http.c)
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -I. \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Wno-format-nonliteral
FUZZ_SRC_schema := $(wildcard common/*.c schemas/*.c)
FUZZ_SRC_schema_arena := $(FUZZ_SRC_schema)
FUZZ_SRC_compat := $(FUZZ_SRC_schema) $(wildcard compat/*.c)
# fuzz_frame.c includes client/serde.c for its static payload check
FUZZ_SRC_frame  := $(FUZZ_SRC_compat) $(filter-out client/serde.c,$(wildcard client/*.c))
FUZZ_SRC_router := $(FUZZ_SRC_compat) $(wildcard storage/*.c) \
                   $(filter-out server/main.c,$(wildcard server/*.c))
FUZZ_DEPS := $(wildcard common/*.h schemas/*.h compat/*.h client/*.h client/*.c server/*.h \
                        storage/*.h include/*.h)

$(foreach n,$(FUZZ_NAMES),$(eval $(FUZZ_DIR)/fuzz_$(n): $(FUZZ_SRC_$(n))))
$(FUZZ_DIR)/fuzz_schema_arena: tests/fuzz/fuzz_schema.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_JALLOC -o $@ $< $(FUZZ_SRC_schema_arena) $(LIBS)
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)
fuzz: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	  seeds=tests/fuzz/corpus/$${n%_arena}; \
	  case $$n in schema*|compat) dict=tests/fuzz/avro.dict;; router) dict=tests/fuzz/router.dict;; \
	    *) dict=;; esac; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$n $(FUZZ_DIR)/artifacts/$$n; \
	  echo "  RUN   fuzz_$$n for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$n/ \
	    $${dict:+-dict=$$dict} $(FUZZ_ARGS) $(FUZZ_DIR)/corpus/$$n $$seeds \
	    || exit 1; \
	done
