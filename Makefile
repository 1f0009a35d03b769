# tdmock: `make run` and `make test` are all a fresh machine needs.
SWIFT ?= swift
# Debian packages the build needs (headers) and the tests use (curl and jq run the README walkthrough,
# tmux drives the line-editing session as a person would).
APT_PACKAGES := libedit-dev libsqlite3-dev curl jq tmux
HEADERS := /usr/include/editline/readline.h /usr/include/sqlite3.h /usr/bin/curl /usr/bin/jq /usr/bin/tmux
RUN_ARGS ?=

.PHONY: run test build build-release deps clean bench

deps:
	@missing=""; for f in $(HEADERS); do [ -e "$$f" ] || missing="yes"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing $(APT_PACKAGES) with apt-get"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

build-release: deps
	$(SWIFT) build -c release --product tdmock

run: build-release
	$$($(SWIFT) build -c release --show-bin-path)/tdmock serve $(RUN_ARGS)

# One build of everything (the tests and the tdmock binary the end-to-end tests run), then the tests
# without rebuilding.
test: deps
	$(SWIFT) build --build-tests
	TDMOCK_BINARY=$$($(SWIFT) build --show-bin-path)/tdmock $(SWIFT) test --skip-build

clean:
	rm -rf .build

# Benchmarks (not tests): installs wrk and nginx from Debian and Flask and gunicorn from PyPI, builds
# release, and prints the table that bench/results/latest.md keeps. BENCH_SECONDS=10 per load run.
bench: deps
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light; }
	python3 -m pip install -q flask gunicorn
	$(SWIFT) build -c release --product tdmock
	python3 bench/run.py --tdmock $$($(SWIFT) build -c release --show-bin-path)/tdmock
