# tdmock: `make run` and `make test` are all a fresh machine needs.
SWIFT ?= swift
# Debian packages the build needs (headers: libedit, SQLite, zlib for Lex's gzipped headers) and the tests use (curl and jq run the README walkthrough,
# tmux drives the line-editing session as a person would).
APT_PACKAGES := libedit-dev libsqlite3-dev zlib1g-dev curl jq tmux
HEADERS := /usr/include/editline/readline.h /usr/include/sqlite3.h /usr/include/zlib.h /usr/bin/curl /usr/bin/jq /usr/bin/tmux
RUN_ARGS ?=
# A target that imports a module of the package it does not declare as a dependency fails the build: the
# walls between the modules (docs/ARCHITECTURE.md) are held by the compiler, not by review.
IMPORT_CHECK := --explicit-target-dependency-import-check error
# apt-get install of the packages that follow it in a recipe, as root or through sudo.
APT_INSTALL := SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
# The release build (make run-release, make bench, make image, make dist): one static executable, the
# Swift runtime, standard library and Foundation, glibc, libedit (with libtinfo, libbsd and libmd, which
# a static link must name), SQLite and zlib linked in by lld, relative relocations packed, nothing
# exported, and the functions that serve runs placed together in the order release/tdmock.order gives
# (make order-file regenerates it). docs/ARCHITECTURE.md ("The release build") says why each flag is there.
RELEASE := -c release --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -use-ld=lld \
	-Xlinker -ltinfo -Xlinker -lbsd -Xlinker -lmd \
	-Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic \
	-Xlinker --symbol-ordering-file=$(CURDIR)/release/tdmock.order -Xlinker --no-warn-symbol-ordering
# tdmock's version, from the one line that declares it.
VERSION := $(shell sed -n 's/.*current = "\(.*\)"/\1/p' Sources/TDMockCore/Version.swift)

.PHONY: run run-release test build build-release image dist deps test-deps clean bench crash-test outage-test workspace-test aws-test fuzz order-file format format-check

deps:
	@missing=""; for f in $(HEADERS); do [ -e "$$f" ] || missing="yes"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing $(APT_PACKAGES) with apt-get"; \
		$(APT_INSTALL) $(APT_PACKAGES); \
	fi

# What the tests need beyond deps: Chromium and its driver from Debian and Selenium from PyPI (the
# workspace), podman with runc (the image's check), bubblewrap (make dist's file in an empty root).
test-deps: deps
	@[ -e /usr/bin/chromium ] && [ -e /usr/bin/chromedriver ] || { echo "installing chromium chromium-driver with apt-get"; \
		$(APT_INSTALL) chromium chromium-driver; }
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v bwrap >/dev/null && [ -e /etc/ssl/certs/ca-certificates.crt ] || { \
		echo "installing podman runc bubblewrap ca-certificates with apt-get"; $(APT_INSTALL) podman runc bubblewrap ca-certificates; }
	@python3 -c "import selenium" 2>/dev/null || { echo "installing selenium with pip"; python3 -m pip install -q selenium; }
	@python3 -c "import pytest" 2>/dev/null || { echo "installing pytest with pip"; python3 -m pip install -q pytest; }
	@python3 -c "import junitparser" 2>/dev/null || { echo "installing junitparser with pip"; python3 -m pip install -q junitparser; }
	@python3 -c "import axe_selenium_python" 2>/dev/null || { echo "installing axe-selenium-python with pip"; python3 -m pip install -q axe-selenium-python; }
	@python3 -c "import boto3, websocket, moto.server, flask" 2>/dev/null && command -v aws >/dev/null || { \
		echo "installing boto3 awscli websocket-client moto[server] with pip"; \
		python3 -m pip install -q boto3 awscli websocket-client 'moto[server]'; }

# make run builds tdmock in debug, the build make test makes too (each reuses the other's work): a
# first build takes minutes less than the release build, which make bench and make run-release use.
build: deps
	$(SWIFT) build --product tdmock $(IMPORT_CHECK)

build-release: deps
	$(SWIFT) build $(RELEASE) --product tdmock

run: build
	$$($(SWIFT) build --show-bin-path)/tdmock serve $(RUN_ARGS)

run-release: build-release
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock serve $(RUN_ARGS)

# The sources as .swift-format lays them out (swift format ships with the toolchain).
SWIFT_SOURCES := Package.swift Sources Tests
format:
	$(SWIFT) format format --in-place --recursive --parallel $(SWIFT_SOURCES)

# Fails on a file that `make format` would change; make test runs it first (it takes seconds).
format-check:
	$(SWIFT) format lint --strict --recursive --parallel $(SWIFT_SOURCES)

# The format check, then one build of everything (the tests and the tdmock binary the end-to-end tests run), then the tests
# without rebuilding, the server's tests again with Send a Message's fast path off, then the crash test
# and the callback outage test (about 2 minutes together), then the workspace in headless Chromium, then
# the AWS surfaces through boto3 and the AWS CLI, then serve's memory under 300 invocations answering 5 MB, then the chat line and the question line on the Python
# example functions, then a WebSocket function written for AWS over --tls-port, then Connect's flow API
# through boto3 and the AWS CLI, then the pytest plugin
# (installed from ./python as a user installs it) and its own tests; then the release build (about 7
# minutes the first time), the container image built and run with podman (and the plugin on it), and
# make dist's file run in an empty root.
test: test-deps format-check
	$(SWIFT) build --build-tests $(IMPORT_CHECK)
	TDMOCK_BINARY=$$($(SWIFT) build --show-bin-path)/tdmock $(SWIFT) test --skip-build
	TDMOCK_FAST_PATH=false $(SWIFT) test --skip-build --filter TDMockServerTests
	python3 checks/reliability/crash_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/reliability/outage_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/workspace/workspace_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/aws_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/journal_memory_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/examples_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/question_line_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/tls_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/connect_api_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/connect_tests_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 -m pip install -q ./python
	TDMOCK_BIN=$$($(SWIFT) build --show-bin-path)/tdmock python3 -m pytest -q -p no:cacheprovider python/tests
	$(MAKE) --no-print-directory image
	CONTAINERS_CONF=$${CONTAINERS_CONF:-$(CURDIR)/checks/release/containers.conf} python3 checks/release/image_test.py --image tdmock:$(VERSION)
	CONTAINERS_CONF=$${CONTAINERS_CONF:-$(CURDIR)/checks/release/containers.conf} TDMOCK_TEST_IMAGE=tdmock:$(VERSION) \
		python3 -m pytest -q -p no:cacheprovider python/tests -k image
	$(MAKE) --no-print-directory dist
	python3 checks/release/dist_test.py --binary dist/tdmock-$(VERSION)-linux-$$(uname -m) --version $(VERSION)

# tdmock's AWS surfaces judged by boto3 and the AWS CLI pointed at it (endpoint_url).
aws-test: test-deps build
	python3 checks/aws/aws_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/journal_memory_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/examples_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/question_line_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
	python3 checks/aws/tls_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock

# The workspace driven in headless Chromium by Selenium; its screenshots go to docs/screenshots/.
workspace-test: test-deps build
	python3 checks/workspace/workspace_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock

# kill -9 ten times under load; every acknowledged write is in the store, every callback delivered in order.
crash-test: build
	python3 checks/reliability/crash_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock

# The callback receiver down (and answering 503) for 60 s while agents act on 50 conversations.
outage-test: build
	python3 checks/reliability/outage_test.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock

clean:
	rm -rf .build dist

# The container image tdmock:VERSION (and tdmock:latest) from the static release binary, stripped, on an
# empty root (release/rootfs.py, release/Containerfile; docs/container.md). No registry is needed. It is
# built with CONTAINER_TOOL, else podman, else docker; podman with the docker format, which keeps HEALTHCHECK.
image: build-release
	@{ [ -n "$$CONTAINER_TOOL" ] || command -v podman || command -v docker; } >/dev/null && [ -e /etc/ssl/certs/ca-certificates.crt ] || { \
		echo "installing podman ca-certificates with apt-get"; $(APT_INSTALL) podman ca-certificates; }
	rm -rf .build/image && mkdir -p .build/image
	strip -o .build/image/tdmock $$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock
	python3 release/rootfs.py --tdmock .build/image/tdmock --out .build/image/rootfs.tar
	tool=$${CONTAINER_TOOL:-$$(command -v podman || command -v docker)}; \
	format=$$(case "$$tool" in *podman) echo "--format docker";; esac); \
	$$tool build $$format --build-arg VERSION=$(VERSION) -t tdmock:$(VERSION) -t tdmock:latest -f release/Containerfile .build/image

# One file to download and run on x86_64 Linux without Swift: the static release binary, stripped, with
# its SHA-256 (dist/; docs/install.md).
dist: build-release
	mkdir -p dist
	strip -o dist/tdmock-$(VERSION)-linux-$$(uname -m) $$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock
	cd dist && sha256sum tdmock-$(VERSION)-linux-$$(uname -m) > tdmock-$(VERSION)-linux-$$(uname -m).sha256
	@ls -l dist

# Benchmarks (not tests): installs wrk and nginx from Debian and Flask and gunicorn from PyPI (and the
# workspace test's Chromium and Selenium, for the workspace's figures, and podman), builds
# release and the image, and prints the table that bench/results/latest.md keeps. BENCH_SECONDS=10 per load run.
bench: test-deps
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { $(APT_INSTALL) wrk nginx-light; }
	python3 -m pip install -q flask gunicorn
	$(MAKE) --no-print-directory image
	python3 bench/run.py --tdmock $$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock --image tdmock:$(VERSION)

# Regenerates release/tdmock.order from a run of the release binary under valgrind's callgrind (about
# a minute), then removes the binary so that the next release build links it in the new order.
order-file: build-release
	@command -v valgrind >/dev/null || { $(APT_INSTALL) valgrind; }
	python3 release/order.py --tdmock $$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock
	rm -f $$($(SWIFT) build $(RELEASE) --show-bin-path)/tdmock

# schemathesis (PyPI) against live servers for the three documents in openapi/: no 5xx, no answer
# outside the documents, at least 2,000 generated cases.
fuzz: build
	python3 -m pip install -q schemathesis==4.32.5
	python3 checks/fuzz/run.py --tdmock $$($(SWIFT) build --show-bin-path)/tdmock
