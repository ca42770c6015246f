"""Turn a stage checkpoint into a Hugging Face-style model folder.

  /usr/bin/python3 train/export.py --stage span --out train/work/export/default

The folder holds model.safetensors (the checkpoint's tensors, HF BertForMaskedLM names plus
this project's optional similarity_pool.* and span_head.* heads), config.json and vocab.txt,
so it loads in the playground (and, minus the extra heads, in `transformers`). The playground's
own CLI then converts it to the bundled fp16 format:

  npm run cli -- convert --model train/work/export/default --out public/models/default
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint import checkpoint_paths  # noqa: E402
from safetensors_io import load_safetensors, save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def hf_config(config, state):
    out = {
        "architectures": ["BertForMaskedLM"],
        "model_type": "bert",
        "position_embedding_type": "absolute",
    }
    out.update({k: v for k, v in config.items() if k not in ("hidden_dropout_prob", "attention_probs_dropout_prob")})
    out["hidden_dropout_prob"] = 0.0
    out["attention_probs_dropout_prob"] = 0.0
    out["training"] = {
        "stage": state["stage"],
        "step": state["step"],
        "tokens": state.get("tokens"),
        "elapsed_minutes": round(state["elapsed_minutes"], 1),
        "trained_heads": state.get("trained_heads", []),
        "vocab_hash": state["vocab_hash"],
    }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", required=True, choices=["mlm", "simbert", "span", "linear"])
    ap.add_argument("--run-dir", default=HERE)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    weights_path, state_path = checkpoint_paths(args.run_dir, args.stage)
    if not os.path.exists(weights_path):
        sys.exit(f"{weights_path} does not exist: train the {args.stage} stage first")
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    tensors, metadata = load_safetensors(weights_path)
    config = json.loads(metadata["config"]) if "config" in metadata else state["config"]

    os.makedirs(args.out, exist_ok=True)
    save_safetensors(os.path.join(args.out, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(hf_config(config, state), f, indent=2, ensure_ascii=False)
        f.write("\n")
    shutil.copyfile(os.path.join(HERE, "vocab.txt"), os.path.join(args.out, "vocab.txt"))
    print(json.dumps({"out": args.out, "stage": state["stage"], "step": state["step"],
                      "elapsed_minutes": round(state["elapsed_minutes"], 1), "tensors": len(tensors)}))


if __name__ == "__main__":
    main()
