# SPDX-License-Identifier: GPL-2.0-or-later
# Entry points a newcomer types. Each target installs what it needs first.
#   make run     boot the default guest on this terminal (Ctrl-A x quits)
#   make check   build everything and run every test
#   make bench   Vireo against QEMU, side by side
BUILD ?= build
VIREO = $(BUILD)/vireo-system-x86_64
PYTHON = /usr/bin/python3

.PHONY: all deps build kernels guest run check bench install clean fuzz

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	@meson setup $(BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	@out=$$(ninja --quiet -C $(BUILD) 2>&1) || { echo "$$out"; exit 1; }; \
	 [ -z "$$out" ] || echo "$$out" | grep -v '^ninja: no work to do' || true

kernels: deps
	@$(MAKE) -s -C tests/kernels

guest: deps
	@tests/guest/build.sh $(BUILD)/guest

run: build kernels guest
	@scripts/run-default-guest.sh $(VIREO) $(BUILD)/guest

check: build kernels guest
	@$(PYTHON) scripts/check.py $(BUILD)

bench: build kernels guest
	@$(PYTHON) tests/bench/bench.py --vireo $(VIREO) --guest $(BUILD)/guest $(BENCH_ARGS)

install: build
	@ninja -C $(BUILD) install

clean:
	rm -rf $(BUILD)
	$(MAKE) -s -C tests/kernels clean

# libFuzzer runs of the parsers that read untrusted input (needs clang).
FUZZ_SECONDS ?= 60
fuzz: deps kernels
	@test -f build-fuzz/build.ninja || CC=clang meson setup build-fuzz -Dfuzzing=true >/dev/null
	@ninja --quiet -C build-fuzz tests/fuzz/fuzz-qmp tests/fuzz/fuzz-x86-loader
	@mkdir -p build-fuzz/corpus/qmp build-fuzz/corpus/loader
	build-fuzz/tests/fuzz/fuzz-qmp -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/qmp tests/fuzz/corpus/qmp
	build-fuzz/tests/fuzz/fuzz-x86-loader -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus/loader tests/fuzz/corpus/x86-loader tests/kernels/build
