# authstats: `make run` and `make test` do all setup on a fresh Debian machine.
SWIFT      ?= swift
BIN        := .build/debug/authstats
RELEASE    := .build/release/authstats
APT_DEPS   := /usr/include/archive.h:libarchive-dev /usr/include/zlib.h:zlib1g-dev /usr/include/isa-l/igzip_lib.h:libisal-dev /usr/include/lzma.h:liblzma-dev /usr/include/bzlib.h:libbz2-dev /usr/include/zstd.h:libzstd-dev /usr/include/sqlite3.h:libsqlite3-dev /usr/bin/pkg-config:pkg-config
# Command-line codecs the tests make damaged inputs with; strace to hold a run at one step;
# headless Chromium for report.html;
# Java and python3-venv for the Spark test (PySpark runs on a JVM; .venv/ is made with venv).
TEST_DEPS  := /usr/bin/time:time /usr/bin/strace:strace /usr/bin/bzip2:bzip2 /usr/bin/xz:xz-utils /usr/bin/zstd:zstd /usr/bin/zip:zip /usr/bin/chromium:chromium \
              /usr/bin/java:default-jre-headless /usr/share/doc/python3-venv:python3-venv

.PHONY: all deps test-deps install-missing build release run test test-spark venv record-golden bench bench-shards fuzz format lint clean man install

all: build

# Install the Debian -dev packages whose files are missing (root on these machines).
deps:
	@$(MAKE) --no-print-directory install-missing PAIRS="$(APT_DEPS)"

test-deps: deps
	@$(MAKE) --no-print-directory install-missing PAIRS="$(TEST_DEPS)"

# Installs the package of each FILE:PACKAGE pair in PAIRS whose file is missing.
install-missing:
	@missing=""; for pair in $(PAIRS); do file=$${pair%%:*}; pkg=$${pair##*:}; \
	  [ -e "$$file" ] || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

# The Swift libraries linked in (--static-swift-stdlib): a run starts in 6 ms instead of 9
# (30 shared libraries fewer to load and bind), a one-day run is ~9% faster, big runs are
# unchanged; the binary travels with only the C libraries' Debian packages beside it.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# Analyse the committed sample-logs/ into reports/. `make run STATE=dir` keeps a nightly state
# there (docs/state.md): a second run reads nothing new.
run: build
	$(BIN) report sample-logs --users sample-logs/users/list-users.json --segments sample-logs/segments.json \
	    --clients sample-logs/clients.json --by-project --out reports $(if $(STATE),--state $(STATE))

# The Spark test's Python (.venv/): PySpark, moto's S3 server, boto3, PyYAML and pytest, pinned in
# Tests/Spark/requirements.txt; made again only when that file changes. If PySpark cannot be
# installed the Spark test is skipped, saying so loudly, and the rest of make test still runs.
VENV       := .venv
venv: $(VENV)/.requirements
	@:

$(VENV)/.requirements: Tests/Spark/requirements.txt
	@echo "make venv: installing $$(grep -c '^[a-z]' $<) Python packages into $(VENV)/ (once)"
	@python3 -m venv $(VENV) && $(VENV)/bin/pip install -q --disable-pip-version-check -r $< && cp $< $@ \
	  || echo "*** make venv: PySpark and moto could NOT be installed into $(VENV)/: the Spark test will be SKIPPED ***" >&2

# The Spark driver (deploy/spark) end to end, in local[2] mode and through a local S3 server.
test-spark: build test-deps venv
	@if [ -x $(VENV)/bin/pytest ]; then $(VENV)/bin/python -m pytest -q Tests/Spark; \
	 else echo "*** SKIPPED the Spark test: PySpark could not be installed into $(VENV)/ ***"; fi

test: test-deps venv
	$(SWIFT) build --build-tests
	# The fuzz targets (Tests/Fuzz, a package of their own) still build against today's API.
	$(SWIFT) build --package-path Tests/Fuzz --scratch-path .build-fuzz-check -Xswiftc -sanitize=fuzzer
	$(SWIFT) test --skip-build
	# The Spark driver in local[2] mode, locally and through moto's S3 server, and the deploy/ manifests.
	@$(MAKE) --no-print-directory test-spark
	# make install into a scratch PREFIX: the man page and the completions are generated.
	rm -rf .build/install-check && $(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(CURDIR)/.build/install-check
	grep -q '^\.Dt AUTHSTATS 1' .build/install-check/usr/share/man/man1/authstats.1 || grep -q 'authstats' .build/install-check/usr/share/man/man1/authstats.1
	grep -q -- '--segments' .build/install-check/usr/share/bash-completion/completions/authstats
	grep -q -- 'segments' .build/install-check/usr/share/zsh/site-functions/_authstats
	grep -q -- 'segments' .build/install-check/usr/share/fish/vendor_completions.d/authstats.fish
	.build/install-check/usr/bin/authstats --version

# The man page, from the command's own help (swift-argument-parser's manual generator).
MAN        := .build/man/authstats.1
man: deps
	$(SWIFT) package generate-manual
	mkdir -p .build/man && cp .build/plugins/GenerateManual/outputs/authstats/authstats.1 $(MAN)

# The binary, the man page and the shell completions under PREFIX (and DESTDIR, for packaging).
PREFIX     ?= /usr/local
install: release man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/authstats
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/authstats.1
	$(RELEASE) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/authstats
	$(RELEASE) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_authstats
	$(RELEASE) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/authstats.fish

# Re-record the golden reports under Tests/EndToEndTests/Golden (then review the diff).
record-golden: build
	-RECORD_GOLDEN=1 $(SWIFT) test --filter EndToEndTests
	$(SWIFT) test --filter EndToEndTests

# Benchmark: release build, generated exports cached under .bench/ (the main set and one set per
# shape of export), compared with gzip -dc and DuckDB; per-shape CPU per GB, scaling, fixed costs.
bench: release
	Tests/Benchmark/bench.sh

# The sharded run (issue 16) on the same set: 2, 4 and 8 shards one after another against one
# run, the merge both ways, and the merged reports compared with the one run's.
bench-shards: release
	Tests/Benchmark/bench-shards.sh

# Coverage-guided fuzzing (libFuzzer, -sanitize=fuzzer,address) of every fuzz target in
# Tests/Fuzz, from a seed corpus built from sample-logs/; findings go to .fuzz/crashes/.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= all
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" SWIFT=$(SWIFT) Tests/Fuzz/fuzz.sh

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

clean:
	rm -rf .build reports/*.csv reports/*.json reports/*.ndjson reports/*.html
