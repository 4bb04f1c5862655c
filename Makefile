# SPDX-License-Identifier: Apache-2.0
# The two commands a newcomer needs: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
HVCFG  := $(VENV)/bin/hvcfg
BOARD  ?= boards/qemu-virt.yaml

.PHONY: all bootstrap demo test lint lint-fix stress fuzz fuzz-config build bench bench-build bench-traps bench-measure bench-linux-boot clean

all: build

bootstrap:
	@scripts/bootstrap

# Three bare-metal partitions (PSCI, hypercall console, a UART of its own, an attacker that is
# restarted then halted), then Debian Linux with two vCPUs next to a heartbeat. Both power off
# by themselves.
# Each system starts with a one-line banner: what it shows and how long it runs (measured on a
# 2-core x86-64 under QEMU TCG; README.md, "Quick start").
demo: bootstrap
	@echo "== demo 1/2 (boards/qemu-virt.yaml, about 15 s): three bare-metal partitions; rogue attacks smp, is restarted twice, then halted; the others keep going =="
	$(HVCFG) run boards/qemu-virt.yaml --timeout 300
	@echo "== demo 2/2 (boards/qemu-virt-linux.yaml, about 70 s): Debian Linux boots (~20 s), Enter within 10 s gives a shell, else it powers off; the heartbeat partition then beats on alone to 60 (~35 s): a stopped partition stops nothing else =="
	$(HVCFG) run boards/qemu-virt-linux.yaml --timeout 300

# The randomized hostile partition, longer than in `make test`: every seed of SEEDS (e.g. 1-50
# or 3,7,9) for DURATION ms of virtual time each; TRACE=1 prints every action, RACES=0 leaves out
# SYSTEM_RESET and the final CPU_ON + SYSTEM_OFF (docs/testing-attacks.md).
SEEDS    ?= 1-20
DURATION ?= 1000
TRACE    ?= 0
RACES    ?= 1
fuzz: bootstrap
	FUZZ_SEEDS=$(SEEDS) FUZZ_DURATION=$(DURATION) FUZZ_TRACE=$(TRACE) FUZZ_RACES=$(RACES) \
	    $(PY) -m pytest -q -rA tests/test_fuzz_long.py

# The configuration fuzzer, longer than in `make test`: N mutated board files of seed SEED (every
# board of boards/ and tests/boards/), each checked and, when check accepts it, built and
# verified; findings go to build/fuzz-config/findings/ (docs/testing-attacks.md). OPS=a,b draws
# only those mutators (cfgfuzz.MUTATORS: region_ipa, hyp_base, dtb, image, ...).
N    ?= 200
SEED ?= 1
OPS  ?=
fuzz-config: bootstrap
	HVCFG_FUZZ_CONFIG_N=$(N) HVCFG_FUZZ_CONFIG_SEED=$(SEED) HVCFG_FUZZ_CONFIG_ALL=1 \
	    HVCFG_FUZZ_CONFIG_OPS=$(OPS) \
	    $(PY) -m pytest -q -s -rA tests/test_check_build_property.py \
	    -k "keep_the_promise or mutated_dtbs"

build: bootstrap
	$(HVCFG) build $(BOARD)

# Lint is part of the suite (tests/test_lint.py runs scripts/lint): a finding fails `make test`.
test: bootstrap
	$(PY) -m pytest -q

# SPDX headers, ruff, mypy, clang-format (scripts/lint; configuration in pyproject.toml and
# .clang-format). lint-fix applies the mechanical fixes, then reports what is left to do by hand.
lint: bootstrap
	scripts/lint

lint-fix: bootstrap
	scripts/lint --fix

# The vCPU state-machine stress (tests/test_vcpu_stress.py) with more seeds and restarts than
# CI: about 3 min of host time per seed at 200 restarts.
STRESS_SEEDS    ?= 1 2 3 4 5 6 7 8
STRESS_RESTARTS ?= 200
stress: bootstrap
	HVCFG_STRESS_SEEDS="$(STRESS_SEEDS)" HVCFG_STRESS_RESTARTS=$(STRESS_RESTARTS) \
		$(PY) -m pytest -q -s tests/test_vcpu_stress.py

bench: bench-build bench-traps bench-measure bench-linux-boot

bench-build: bootstrap
	scripts/bench-build $(BOARD)

bench-traps: bootstrap
	scripts/bench-traps

bench-measure: bootstrap
	scripts/bench-measure

bench-linux-boot: bootstrap
	scripts/bench-linux-boot --board tests/boards/qemu-virt-linux-alone.yaml --accel multi

clean:
	rm -rf build
