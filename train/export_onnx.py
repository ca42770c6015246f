"""Export BERT weights to ONNX, shaped like Hugging Face's BertForMaskedLM export, for running
the same weights in onnxruntime-web side by side with the playground.

  /usr/bin/python3 train/export_onnx.py --bpg public/models/default/model.bpg --out train/work/export/default.onnx
  /usr/bin/python3 train/export_onnx.py --stage span --out train/work/export/span.onnx

--bpg reads the weights from a playground .bpg file: exactly the numbers the playground loads
(its float16 tensors widened to float32 without change), which is what a logits comparison to
1e-4 needs. --stage reads a training checkpoint (float32); the .bpg converted from it rounds
its matrices to float16, which moves logits by ~3e-3 (simbert checkpoint, logits up to ~11),
so a --stage export matches only a float32 conversion of the same checkpoint.

Inputs input_ids, attention_mask [B, L] and token_type_ids (int64, dynamic batch and length);
output logits [B, L, V]. As in the transformers export, the padding mask reaches attention
through two Unsqueeze nodes ([B, L] → [B, 1, 1, L]) and the MLM head starts at
cls/predictions/transform/dense, so the benchmark's graph surgery applies unchanged.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import TIED, HEAD_PREFIXES, checkpoint_paths, load_weights  # noqa: E402
from model import BertForPlayground  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BPG_MAGIC = b"BERTPG01"
BPG_DTYPES = {"float32": np.float32, "float16": np.float16}
# Keys of the trainer's config that a .bpg (an HF-style config) does not carry.
CONFIG_DEFAULTS = {"initializer_range": 0.02, "attention": "softmax", "span_head_size": 64, "span_types": ["ui_term"], "pad_token_id": 0}


class BertExport(nn.Module):
    """model.bert without the pooler, called as a module so that node names start with /bert/."""

    def __init__(self, bert):
        super().__init__()
        self.embeddings = bert.embeddings
        self.encoder = bert.encoder

    def forward(self, input_ids, keep, token_type_ids):
        return self.encoder(self.embeddings(input_ids, token_type_ids), keep)  # [B, L, H]


class ClsExport(nn.Module):
    """model.cls, called as a module: the head's nodes are named /cls/predictions/..."""

    def __init__(self, cls):
        super().__init__()
        self.predictions = cls.predictions

    def forward(self, hidden):
        return self.predictions(hidden)  # [B, L, V]


class MaskedLMExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.bert = BertExport(model.bert)
        self.cls = ClsExport(model.cls)

    def forward(self, input_ids, attention_mask, token_type_ids):
        keep = attention_mask[:, None, None, :] > 0  # [B, 1, 1, L]: two Unsqueeze, then a comparison
        return self.cls(self.bert(input_ids, keep, token_type_ids))  # [B, L, V]


def read_bpg(path):
    """A .bpg file (src/model/weights/native.ts) → (config dict, {name: float32 tensor})."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != BPG_MAGIC:
        sys.exit(f"{path} is not a playground .bpg file (no {BPG_MAGIC.decode()} magic)")
    version, header_len = struct.unpack("<II", data[8:16])
    if version != 1:
        sys.exit(f"{path}: .bpg format version {version}; this exporter reads version 1")
    header = json.loads(data[16:16 + header_len].decode("utf-8"))
    start = (16 + header_len + 15) // 16 * 16
    tensors = {}
    for t in header["tensors"]:
        dtype = BPG_DTYPES.get(t["dtype"])
        if dtype is None:
            sys.exit(f"{path}: tensor {t['name']} has dtype {t['dtype']}; expected float32 or float16")
        at = start + t["offset"]
        values = np.frombuffer(data, dtype=dtype, count=t["size"] // np.dtype(dtype).itemsize, offset=at)
        tensors[t["name"]] = torch.from_numpy(values.astype(np.float32).reshape(t["shape"]))
    return header["config"], tensors


def model_from_bpg(path):
    config, tensors = read_bpg(path)
    cfg = {**CONFIG_DEFAULTS, **config, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    model = BertForPlayground(cfg)
    own = model.state_dict()
    kept = {n: t for n, t in tensors.items() if n in own}
    dropped = sorted(set(tensors) - set(kept))
    if dropped:
        sys.exit(f"{path}: tensors the exporter's model does not have: {dropped[:5]}")
    for name, value in kept.items():
        if tuple(own[name].shape) != tuple(value.shape):
            sys.exit(f"{path}: {name} has shape {list(value.shape)}, the config gives {list(own[name].shape)}")
    missing = [n for n in own if n not in kept and n != TIED and not any(n.startswith(p) for p in HEAD_PREFIXES.values())]
    if missing:
        sys.exit(f"{path}: missing tensors {missing[:5]}")
    model.load_state_dict(kept, strict=False)
    model.tie()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return model, {"source": path, "source_sha256": digest}


def model_from_stage(run_dir, stage):
    weights, state_path = checkpoint_paths(run_dir, stage)
    if not os.path.exists(weights):
        sys.exit(f"{weights} does not exist: train the {stage} stage first")
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    cfg = dict(state["config"], hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = BertForPlayground(cfg)
    load_weights(model, weights)
    return model, {"source": weights, "stage": stage, "step": state["step"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--bpg", help="a playground .bpg file (the bundled model: public/models/default/model.bpg)")
    source.add_argument("--stage", choices=["mlm", "simbert", "span"], help="a training checkpoint, <run-dir>/checkpoints/<stage>-latest.safetensors")
    ap.add_argument("--run-dir", default=HERE)
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()

    model, info = model_from_bpg(args.bpg) if args.bpg else model_from_stage(args.run_dir, args.stage)
    if model.config.get("attention", "softmax") != "softmax":
        sys.exit("only softmax-attention models export to ONNX")
    model.eval()
    wrapper = MaskedLMExport(model).eval()
    ids = torch.tensor([[2, 100, 200, 300, 3]], dtype=torch.long)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
           "token_type_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    with torch.no_grad():
        torch.onnx.export(wrapper, (ids, mask, types), args.out, input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["logits"], dynamic_axes=dyn, opset_version=args.opset, do_constant_folding=True)
    c = model.config
    shape = {"layers": c["num_hidden_layers"], "hidden": c["hidden_size"], "heads": c["num_attention_heads"], "vocab": c["vocab_size"]}
    print(json.dumps({"out": args.out, **info, **shape, "bytes": os.path.getsize(args.out)}))


if __name__ == "__main__":
    main()
