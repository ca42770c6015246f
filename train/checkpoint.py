"""Checkpoints: fp32 weights as <stage>-latest.safetensors plus <stage>-state.json.

Heads that a stage has not trained yet (similarity_pool, span_head) are left out of the
file, so a checkpoint only offers what it can do. The tied MLM decoder weight is omitted:
it is bert.embeddings.word_embeddings.weight.
"""
import json
import os

from safetensors_io import load_safetensors, save_safetensors

TIED = "cls.predictions.decoder.weight"
HEAD_PREFIXES = {"similarity_pool": "similarity_pool.", "span_head": "span_head."}


def checkpoint_paths(run_dir, stage):
    base = os.path.join(run_dir, "checkpoints")
    return (os.path.join(base, f"{stage}-latest.safetensors"),
            os.path.join(base, f"{stage}-state.json"))


def save_checkpoint(run_dir, stage, model, state):
    weights_path, state_path = checkpoint_paths(run_dir, stage)
    os.makedirs(os.path.dirname(weights_path), exist_ok=True)
    trained = set(state.get("trained_heads", []))
    tensors = {}
    for name, value in model.state_dict().items():
        if name == TIED:
            continue
        head = next((h for h, p in HEAD_PREFIXES.items() if name.startswith(p)), None)
        if head is not None and head not in trained:
            continue
        tensors[name] = value
    metadata = {"format": "pt", "config": json.dumps(model.config, ensure_ascii=False),
                "stage": stage, "step": state["step"], "vocab_hash": state["vocab_hash"]}
    save_safetensors(weights_path, tensors, metadata)
    tmp = state_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, ensure_ascii=False)
    os.replace(tmp, state_path)
    return weights_path


def load_weights(model, path):
    """Load a checkpoint into model; returns the heads it contained. Raises on any
    unexpected or missing encoder tensor (a config mismatch)."""
    tensors, _ = load_safetensors(path)
    own = model.state_dict()
    unexpected = sorted(set(tensors) - set(own))
    if unexpected:
        raise ValueError(f"{path}: tensors not in the model: {unexpected[:5]}")
    for name, value in tensors.items():
        if tuple(own[name].shape) != tuple(value.shape):
            raise ValueError(f"{path}: {name} has shape {list(value.shape)}, "
                             f"model expects {list(own[name].shape)}; check the config")
    missing = [n for n in own if n not in tensors and n != TIED
               and not any(n.startswith(p) for p in HEAD_PREFIXES.values())]
    if missing:
        raise ValueError(f"{path}: missing tensors {missing[:5]}")
    model.load_state_dict(tensors, strict=False)
    model.tie()
    return [h for h, p in HEAD_PREFIXES.items() if any(n.startswith(p) for n in tensors)]


def load_state(run_dir, stage):
    _, state_path = checkpoint_paths(run_dir, stage)
    with open(state_path, encoding="utf-8") as f:
        return json.load(f)
