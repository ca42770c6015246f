"""Export a stage checkpoint to ONNX, shaped like Hugging Face's BertForMaskedLM export, for
running the same weights in onnxruntime-web side by side with the playground.

  /usr/bin/python3 train/export_onnx.py --stage span --out train/work/export/default.onnx

Inputs input_ids, attention_mask [B, L] and token_type_ids (int64, dynamic batch and length);
output logits [B, L, V]. As in the transformers export, the padding mask reaches attention
through two Unsqueeze nodes ([B, L] → [B, 1, 1, L]) and the MLM head starts at
cls/predictions/transform/dense, so the benchmark's graph surgery applies unchanged.
"""
import argparse
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import checkpoint_paths, load_weights  # noqa: E402
from model import BertForPlayground  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class MaskedLMExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.bert = model.bert
        self.cls = model.cls

    def forward(self, input_ids, attention_mask, token_type_ids):
        keep = attention_mask[:, None, None, :] > 0  # [B, 1, 1, L]: two Unsqueeze, then a comparison
        x = self.bert.embeddings(input_ids, token_type_ids)
        hidden = self.bert.encoder(x, keep)
        return self.cls.predictions(hidden)  # [B, L, V]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", default="span", choices=["mlm", "simbert", "span"])
    ap.add_argument("--run-dir", default=HERE)
    ap.add_argument("--out", required=True)
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()

    weights, state_path = checkpoint_paths(args.run_dir, args.stage)
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    cfg = dict(state["config"], hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    if cfg.get("attention", "softmax") != "softmax":
        sys.exit("only softmax-attention stages export to ONNX")
    model = BertForPlayground(cfg)
    load_weights(model, weights)
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
    print(json.dumps({"out": args.out, "stage": args.stage, "step": state["step"], "bytes": os.path.getsize(args.out)}))


if __name__ == "__main__":
    main()
