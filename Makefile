# dyad — build, run, test.
#
#   make          build/dyad (release build)
#   make run      install what is missing, build, serve on http://127.0.0.1:8080
#   make test     install what is missing, build (also ASan+UBSan), run every suite
#   make bench    benchmarks; figures go to build/bench.txt
#   make format   clang-format every C file
#   make check    static checks: clang-format, cppcheck, clang-tidy, call graphs, the
#                 architecture doc, ESLint (docs/testing.md)
#
# Sources are found by wildcard: a new src/<layer>/*.c is compiled in, a new
# tests/unit/test_*.c becomes a cmocka binary, a new tests/{js,api,browser}/*.test.mjs
# is run by node's test runner, a new bench/bench_*.c becomes a benchmark.

CC      ?= cc

# Where `make install` puts things (DESTDIR is prepended to each). The
# configuration file lives in $(SYSCONFDIR)/dyad/dyad.conf, a path the
# binary is built with.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/dyad
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
PKGS    := libmicrohttpd sqlite3 libpq libsodium jansson inih libsystemd libseccomp libcurl libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2
BASE_CFLAGS := -std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen $(WARN) -g -MMD -MP -DDYAD_SYSCONFDIR='"$(SYSCONFDIR)"'
REL_CFLAGS  := $(BASE_CFLAGS) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
# DYAD_TEST_HOOKS: test-only probes (src/cli/sandbox.c), never in build/dyad
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -DDYAD_TEST_HOOKS
LIBS     = $(PKG_LIBS) -lpthread -lm

SRC       := $(sort $(wildcard src/*/*.c))
MAIN_SRC  := src/cli/main.c
LIB_SRC   := $(filter-out $(MAIN_SRC),$(SRC))
GEN_SRC   := build/gen/assets.c build/gen/migrations.c build/gen/pg_migrations.c build/gen/datafiles.c build/gen/preloads.c build/gen/prompts_builtin.c
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

WEB_FILES := $(sort $(shell find web -type f 2>/dev/null))
VENDOR    := build/vendor/libsodium-wrappers.mjs build/vendor/libsodium-sumo.mjs
SQL_FILES := $(sort $(wildcard src/store/migrations/*.sql))
PG_SQL_FILES := $(sort $(wildcard src/store/migrations/postgres/*.sql))
DATA_FILES := $(sort $(wildcard data/*))

rel_obj  = $(patsubst %.c,build/rel/%.o,$(1))
asan_obj = $(patsubst %.c,build/asan/%.o,$(1))

REL_LIB  := $(call rel_obj,$(LIB_SRC) $(GEN_SRC))
ASAN_LIB := $(call asan_obj,$(LIB_SRC) $(GEN_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRC))
BENCH_BIN := $(patsubst bench/%.c,build/rel/bench/%,$(BENCH_SRC))

.PHONY: all run test deps deps-test unit test-r test-js test-api test-pg test-browser bench format clean asan check deps-check docs-settings man install uninstall test-install
all: build/dyad

deps:
	@scripts/deps.sh run
deps-test:
	@scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory build/dyad
	./build/dyad serve

# ---- generated sources ---------------------------------------------------
build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -O2 -Wall -Wextra -Werror $(shell pkg-config --cflags libsodium zlib libbrotlienc 2>/dev/null) -o $@ $< $(shell pkg-config --libs libsodium zlib libbrotlienc 2>/dev/null)

# libsodium's ESM wrapper imports the bare name "libsodium-sumo"; browsers
# without an import map need a relative path, so the copy we embed says so.
build/vendor/libsodium-wrappers.mjs: node_modules/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs
	@mkdir -p $(@D)
	sed 's#from"libsodium-sumo"#from"./libsodium-sumo.mjs"#g' $< > $@
	@grep -q 'from"./libsodium-sumo.mjs"' $@ || { echo "libsodium import rewrite failed"; exit 1; }
build/vendor/libsodium-sumo.mjs: node_modules/libsodium-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs
	@mkdir -p $(@D)
	cp $< $@
node_modules/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs node_modules/libsodium-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs:
	@scripts/deps.sh run

# The browser's copy of the vocabularies (topics, depths, kinds, feelings,
# response kinds), written from the core's own tables: see src/core/vocab.h.
VOCAB_SRC := tools/vocab.c src/core/vocab.c src/core/prompts.c src/core/checkin.c src/core/insights.c src/core/kind.c
build/tools/vocab: $(VOCAB_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror -Isrc $(shell pkg-config --cflags jansson 2>/dev/null) \
	    -o $@ $(VOCAB_SRC) $(shell pkg-config --libs jansson 2>/dev/null) -lm
build/gen/vocab.js: build/tools/vocab
	@mkdir -p $(@D)
	build/tools/vocab $@

build/gen/assets.c: build/tools/embed $(WEB_FILES) $(VENDOR) build/gen/vocab.js
	@mkdir -p $(@D)
	build/tools/embed assets $@ $(foreach f,$(WEB_FILES),$(f)=/static/$(f:web/%=%)) \
	    $(foreach f,$(VENDOR),$(f)=/static/vendor/$(notdir $(f))) build/gen/vocab.js=/static/js/vocab.js
build/gen/preloads.c: tools/preloads.mjs $(filter %.js,$(WEB_FILES))
	@mkdir -p $(@D)
	node tools/preloads.mjs $@ web/js
# One migration history, two dialects: every src/store/migrations/NNN_x.sql
# (SQLite) has a twin of the same name in migrations/postgres/.
build/gen/migrations.c: build/tools/embed $(SQL_FILES) $(PG_SQL_FILES)
	@mkdir -p $(@D)
	@if [ "$(notdir $(SQL_FILES))" != "$(notdir $(PG_SQL_FILES))" ]; then \
	  echo "migrations: each src/store/migrations/*.sql needs a PostgreSQL twin of the same name in src/store/migrations/postgres/ (docs/architecture.md)"; \
	  echo "  sqlite:   $(notdir $(SQL_FILES))"; echo "  postgres: $(notdir $(PG_SQL_FILES))"; exit 1; fi
	build/tools/embed migrations $@ $(foreach f,$(SQL_FILES),$(f)=$(notdir $(f)))
build/gen/pg_migrations.c: build/tools/embed $(PG_SQL_FILES) build/gen/migrations.c
	@mkdir -p $(@D)
	build/tools/embed pg_migrations $@ $(foreach f,$(PG_SQL_FILES),$(f)=$(notdir $(f)))
build/gen/datafiles.c: build/tools/embed $(DATA_FILES)
	@mkdir -p $(@D)
	build/tools/embed datafiles $@ $(foreach f,$(DATA_FILES),$(f)=$(notdir $(f)))

# The prompt library, parsed and checked by the server's own loader at
# build time (a library that is not valid stops the build) and compiled in
# as structs: the server does not parse it at start-up.
build/tools/prompts_gen: tools/prompts_gen.c src/core/prompts.c src/core/prompts.h
	@mkdir -p $(@D)
	$(CC) -std=c17 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror -Isrc $(shell pkg-config --cflags jansson 2>/dev/null) \
	    -o $@ tools/prompts_gen.c src/core/prompts.c $(shell pkg-config --libs jansson 2>/dev/null)
build/gen/prompts_builtin.c: build/tools/prompts_gen data/prompts.json
	@mkdir -p $(@D)
	build/tools/prompts_gen data/prompts.json $@

# ---- release build -------------------------------------------------------
build/rel/%.o: %.c | $(GEN_SRC)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<
build/dyad: $(REL_LIB) $(call rel_obj,$(MAIN_SRC))
	$(CC) -o $@ $^ $(LIBS)

# ---- ASan + UBSan build --------------------------------------------------
build/asan/%.o: %.c | $(GEN_SRC)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<
build/asan/dyad: $(ASAN_LIB) $(call asan_obj,$(MAIN_SRC))
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)
build/asan/tests/%: tests/unit/%.c $(ASAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -Itests/unit -o $@ $< $(ASAN_LIB) $(LIBS) -lcmocka
asan: build/asan/dyad $(UNIT_BIN)

# ---- tests ---------------------------------------------------------------
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

test: deps-test
	@$(MAKE) --no-print-directory build/dyad asan
	@$(MAKE) --no-print-directory unit test-r fuzz-replay test-js test-install test-api test-pg test-browser

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# libsodium's ESM build needs globalThis.crypto, built in from Node 19 on;
# Debian 12's own Node 18 has it behind a flag.
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
NODE_FLAGS := $(if $(filter 16 17 18,$(NODE_MAJOR)),--experimental-global-webcrypto,)
NODE_TEST := node $(NODE_FLAGS) --test --test-concurrency=1 --test-reporter=spec
# R reads each research export layout (the golden files test_research
# compares) as it is and fits an actor-partner model with nlme.
test-r:
	@Rscript tests/r/apim.R tests/unit/golden

test-js:
	@if ls tests/js/*.test.mjs >/dev/null 2>&1; then $(NODE_TEST) tests/js/*.test.mjs; fi
test-api: build/asan/dyad
	@DYAD_BIN=$(CURDIR)/build/asan/dyad $(NODE_TEST) tests/api/*.test.mjs
# The store contract test and the whole API suite again on PostgreSQL, beside
# a throwaway cluster that scripts/with-postgres.sh starts and always stops;
# each test server gets a database of its own (tests/lib/server.mjs).
test-pg: build/asan/dyad build/asan/tests/test_store_contract
	@scripts/with-postgres.sh sh -c 'build/asan/tests/test_store_contract && \
	  DYAD_TEST_DB=postgres DYAD_BIN=$(CURDIR)/build/asan/dyad $(NODE_TEST) tests/api/*.test.mjs'
test-browser: build/asan/dyad
	@if ls tests/browser/*.test.mjs >/dev/null 2>&1; then \
	  DYAD_BIN=$(CURDIR)/build/asan/dyad $(NODE_TEST) tests/browser/*.test.mjs; fi

# ---- benchmarks ----------------------------------------------------------
build/rel/bench/%: bench/%.c $(REL_LIB)
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -Ibench -o $@ $< $(REL_LIB) $(LIBS)
build/rel/bench/refserver: bench/refserver.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBS)
build/rel/bench/refsqlite: bench/refsqlite.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIBS)
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BENCH_BIN) build/dyad build/rel/bench/refserver \
	  build/rel/bench/refsqlite build/rel/bench/gendata
	@bench/run.sh

# The settings table of docs/operators.md, made from src/cli/config.c
# (tests/api/config.test.mjs fails when it is out of date).
docs-settings: build/dyad
	@build/dyad config reference markdown > build/settings.md
	@awk 'BEGIN{t=0} /<!-- settings:begin/{print; system("cat build/settings.md"); t=1; next} \
	     /<!-- settings:end -->/{t=0} !t' docs/operators.md > build/operators.md
	@mv build/operators.md docs/operators.md
	@echo "docs/operators.md: settings table updated"

# ---- manual pages and install ----------------------------------------------
# man/*.1 are written by hand; dyad.conf(5) gets its SETTINGS section from
# the settings table in src/cli/config.c (`dyad config reference man`).
MAN_SRC   := $(sort $(wildcard man/*.1))
MAN_PAGES := $(patsubst man/%,build/man/%,$(MAN_SRC)) build/man/dyad.conf.5
build/man/%.1: man/%.1
	@mkdir -p $(@D)
	cp $< $@
build/man/dyad.conf.5: man/dyad.conf.5.in build/dyad
	@mkdir -p $(@D)
	build/dyad config reference man > $@.settings
	awk '/^@SETTINGS@$$/{while ((getline l < "$@.settings") > 0) print l; next} {print}' $< > $@
	rm -f $@.settings
man: $(MAN_PAGES)

install: build/dyad $(MAN_PAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(SYSCONFDIR)/dyad
	install -m 0755 build/dyad $(DESTDIR)$(BINDIR)/dyad
	install -m 0644 $(filter build/man/%.1,$(MAN_PAGES)) \
	    $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 build/man/dyad.conf.5 $(DESTDIR)$(MANDIR)/man5/dyad.conf.5
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/dyad.service.in \
	    > $(DESTDIR)$(UNITDIR)/dyad.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dyad.service
	install -m 0644 dist/dyad.sysusers $(DESTDIR)$(SYSUSERSDIR)/dyad.conf
	install -m 0644 dist/nginx-dyad.conf $(DESTDIR)$(DOCDIR)/examples/nginx-dyad.conf
	install -m 0644 dist/dyad.conf $(DESTDIR)$(DOCDIR)/examples/dyad.conf
	install -m 0644 docs/operators.md $(DESTDIR)$(DOCDIR)/operators.md
	@# the configuration file only when there is none: never overwrite an operator's
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/dyad/dyad.conf ]; then \
	  echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/dyad/dyad.conf"; \
	else install -m 0644 dist/dyad.conf $(DESTDIR)$(SYSCONFDIR)/dyad/dyad.conf; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dyad $(DESTDIR)$(UNITDIR)/dyad.service \
	    $(DESTDIR)$(SYSUSERSDIR)/dyad.conf $(DESTDIR)$(MANDIR)/man5/dyad.conf.5 \
	    $(patsubst build/man/%,$(DESTDIR)$(MANDIR)/man1/%,$(filter build/man/%.1,$(MAN_PAGES)))
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "uninstall: $(SYSCONFDIR)/dyad and /var/lib/dyad are left in place"

# make install into a temporary DESTDIR, the tree checked, the unit through
# systemd-analyze verify, every page through mandoc -T lint.
test-install: build/dyad
	@$(NODE_TEST) tests/install/*.test.mjs

format:
	clang-format -i $(FORMAT_SRC)

# ---- static checks ---------------------------------------------------------
# `make check`: everything a reviewer would otherwise nag about, each step
# failing the build (docs/testing.md says how to run one alone).
FORMAT_SRC = $(SRC) $(UNIT_SRC) $(BENCH_SRC) $(wildcard tools/*.c src/*/*.h tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h)
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --std=c11 --enable=warning,style,performance,portability \
    --inline-suppr --suppressions-list=.cppcheck-suppressions --suppress=missingIncludeSystem \
    -Isrc -Ibuild/gen -D__GNUC__ --include=/usr/include/jansson.h
deps-check:
	@scripts/deps.sh check
check: deps-check
	@$(MAKE) --no-print-directory build/dyad
	clang-format --dry-run -Werror $(FORMAT_SRC)
	cppcheck $(CPPCHECK_FLAGS) src tools
	scripts/tidy.sh
	node tools/callgraph-check.mjs --self-test
	node tools/callgraph-check.mjs build/rel/src/web
	node tools/jsimports-check.mjs --self-test
	node tools/jsimports-check.mjs web/js
	node tools/doccheck.mjs --self-test
	node tools/doccheck.mjs docs/architecture.md
	@# the project stands alone: nothing cites the design brief outside the repository
	@! grep -rnE 'design §|design\.md|research\.md|research: [A-Z]' --include='*.[ch]' --include='*.js' --include='*.mjs' \
	    --include='*.md' --include='*.json' --include='*.html' --include='*.sql' --include='*.1' \
	    src web tests docs man README.md \
	  || { echo "check: cite the project's own docs (docs/protocol.md, …), not the design brief"; exit 1; }
	npx --no-install eslint .

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- fuzzing (tests/fuzz) ------------------------------------------------
# libFuzzer targets (tests/fuzz/fuzz_*.c, each opening with what it drives and checks),
# built with clang into build/fuzz/ with objects of their own, so clang's and
# gcc's objects never mix.
#   make fuzz          each target for FUZZ_SECONDS over its checked-in corpus;
#                      new finds go to build/fuzz/new/<target>, crashes to
#                      build/fuzz/crashes/ (the checked-in corpus is read only)
#   make fuzz-replay   each target over its checked-in corpus only (part of
#                      `make test`), so an input that crashed once stays fixed
#   make fuzz-long     each target until FUZZ_RUNS inputs (default 10 million)
#                      or FUZZ_MAX_SECONDS (default 7200), then merges what adds
#                      coverage into the checked-in corpus; runs, coverage and
#                      crashes per target in build/fuzz-long.txt
#                      (scripts/fuzz-long.sh; FUZZ_TARGETS="fuzz_edge" for one)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS  := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SUPPORT := $(filter-out $(FUZZ_SRC),$(sort $(wildcard tests/fuzz/*.c)))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_BIN     := $(addprefix build/fuzz/bin/,$(FUZZ_TARGETS))
fuzz_obj      = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
FUZZ_LIB     := $(call fuzz_obj,$(LIB_SRC) $(GEN_SRC) $(FUZZ_SUPPORT))

FUZZ_SRC_NOWARN :=

.PHONY: fuzz fuzz-build fuzz-replay fuzz-long
build/fuzz/obj/%.o: %.c | $(GEN_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SRC_NOWARN) $(PKG_CFLAGS) -c -o $@ $<
build/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.c | $(GEN_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -Itests/fuzz -c -o $@ $<
build/fuzz/bin/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Itests/fuzz -o $@ $< \
	    $(FUZZ_LIB) $(LIBS)
# The objects are named here so make keeps them (not intermediate files).
fuzz-build: $(FUZZ_LIB) $(FUZZ_BIN)

fuzz: fuzz-build
	@mkdir -p build/fuzz/crashes
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/new/$$t; \
	  dict=""; [ -f tests/fuzz/$$t.dict ] && dict="-dict=tests/fuzz/$$t.dict"; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS)s)"; \
	  build/fuzz/bin/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=30 -print_final_stats=1 \
	      $$dict -artifact_prefix=build/fuzz/crashes/$$t- \
	      build/fuzz/new/$$t tests/fuzz/corpus/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in$$failed (inputs in build/fuzz/crashes/)"; exit 1; fi

fuzz-long: fuzz-build
	@scripts/fuzz-long.sh

fuzz-replay: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  set -- tests/fuzz/corpus/$$t/*; \
	  if [ ! -e "$$1" ]; then echo "fuzz-replay $$t: no corpus"; failed="$$failed $$t"; continue; fi; \
	  log=build/fuzz/$$t.replay.log; \
	  if build/fuzz/bin/$$t -timeout=60 "$$@" > $$log 2>&1; then \
	    echo "fuzz-replay $$t: $$# inputs, no crash"; \
	  else \
	    echo "fuzz-replay $$t: CRASH (full log: $$log)"; tail -n 60 $$log; failed="$$failed $$t"; \
	  fi; \
	done; \
	[ -z "$$failed" ] || { echo "fuzz-replay: failed:$$failed"; exit 1; }
