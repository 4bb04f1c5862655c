# The two commands a newcomer needs: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
HVCFG  := $(VENV)/bin/hvcfg
BOARD  ?= boards/qemu-virt.yaml

.PHONY: all bootstrap demo test build bench-build clean

all: build

bootstrap:
	@scripts/bootstrap

demo: bootstrap
	$(HVCFG) run $(BOARD) --timeout 300

build: bootstrap
	$(HVCFG) build $(BOARD)

test: bootstrap
	$(PY) -m pytest -q

bench-build: bootstrap
	scripts/bench-build $(BOARD)

clean:
	rm -rf build
