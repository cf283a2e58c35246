# Two commands set everything up: `make demo` and `make test`.
# Both build .venv/ with a Python 3.10 found by scripts/find-python310.sh
# (override with PYTHON=/path/to/python3.10) and are idempotent.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WARM_STAMP := $(VENV)/.demo-compiled
# Theano's compile cache lives outside the clone so that it survives between runs. The tests'
# modules (other flags, thousands of small graphs) go to a cache of their own: Theano reads the
# key of every module of a cache when a process opens it (0.4 s for the tests' 3,500 keys).
THEANO_CACHE ?= $(HOME)/.cache/agentnet/theano
TEST_THEANO_CACHE ?= $(THEANO_CACHE)-tests
# User flags come last so that they win over ours.
# Tests compile their C modules with g++ -O1 and no debug information: a third less
# compile time on an empty cache than Theano's -O3 -g (tests/compat checks AgentNet's own
# C kernels with Theano's flags).
TEST_CXXFLAGS := gcc.cxxflags=-O1 -g0
TEST_FLAGS := base_compiledir=$(TEST_THEANO_CACHE),optimizer=fast_compile,floatX=float32,$(TEST_CXXFLAGS)
TEST_FLAGS_64 := base_compiledir=$(TEST_THEANO_CACHE),optimizer=fast_compile,floatX=float64,$(TEST_CXXFLAGS)
RUN_FLAGS := base_compiledir=$(THEANO_CACHE)
BENCH_FLAGS := $(RUN_FLAGS),floatX=float32
theano_flags = $(if $(THEANO_FLAGS),$(1)$(comma)$(THEANO_FLAGS),$(1))
comma := ,

.PHONY: install demo test test-fast docs bench bench-peers clean

install: $(STAMP) $(WARM_STAMP)

$(STAMP): setup.py pyproject.toml requirements-dev.txt agentnet-import-hook.pth scripts/find-python310.sh scripts/install-openblas.sh scripts/install-requirements.sh scripts/uv_index_options.py
	@scripts/install-openblas.sh
	@if [ ! -x $(PY) ]; then \
	    interpreter=$$(scripts/find-python310.sh) || exit 1; \
	    echo "Creating $(VENV) with $$interpreter"; \
	    "$$interpreter" -m venv $(VENV) || exit 1; \
	fi
	@# With uv where it can be had (a third of pip's time), else pip; both byte-compile.
	scripts/install-requirements.sh $(PY) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --config-settings editable_mode=compat -e .
	@touch $(STAMP)

# The demo's C modules, compiled during the install so that the first `make demo` starts warm
# (best effort). `make test` compiles with its own flags and does not wait for them.
$(WARM_STAMP): $(STAMP) scripts/warm_compile_cache.py
	@THEANO_FLAGS="$(call theano_flags,$(RUN_FLAGS)$(comma)floatX=float32)" $(PY) scripts/warm_compile_cache.py \
	    || echo "Could not warm Theano's compile cache; make demo will compile on its first run."
	@touch $(WARM_STAMP)

demo: install
	THEANO_FLAGS="$(call theano_flags,$(RUN_FLAGS)$(comma)floatX=float32)" $(PY) examples/cartpole_dqn.py

# Two pytest-xdist workers, one per core (TEST_WORKERS=0 runs in one process); worksteal hands
# out runs of consecutive tests, so a file's shared compiled functions are mostly built once.
# compile.wait=1: a worker waiting for the other's compile lock retries every 1-2 s, not 5-10 s.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m ruff check .
	THEANO_FLAGS="$(call theano_flags,$(TEST_FLAGS)$(comma)compile.wait=1)" $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal
	THEANO_FLAGS="$(call theano_flags,$(TEST_FLAGS_64)$(comma)compile.wait=1)" $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal -m numerics
	THEANO_FLAGS="$(call theano_flags,$(TEST_FLAGS))" $(PY) -m pytest -q -p no:cacheprovider --doctest-modules agentnet agentnet_compat
	$(MAKE) --no-print-directory docs

# The two builders side by side (each its own output and doctree directory): as long as the
# slower one, 14 s, instead of 22 s one after the other.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b coverage docs docs/_build/coverage & coverage=$$!; \
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html; html=$$?; \
	wait $$coverage && exit $$html

bench: install
	for script in bench/[!_]*.py; do THEANO_FLAGS="$(call theano_flags,$(BENCH_FLAGS))" $(PY) $$script || exit 1; done

# Side by side with Stable-Baselines3; its own Python 3.11 venv in bench/peers/.venv.
bench-peers: install
	THEANO_FLAGS="$(call theano_flags,$(BENCH_FLAGS))" $(PY) bench/peers/run.py

clean:
	rm -rf $(VENV) build *.egg-info docs/_build .pytest_cache .hypothesis
