"""Train the playground's default model, one stage at a time.

  /usr/bin/python3 train/train.py --stage mlm --minutes 140 --total-minutes 480 [--resume]
  /usr/bin/python3 train/train.py --stage mlm --check-bf16

Stages: mlm (from scratch), simbert (from mlm), span (from simbert), linear (from span,
attention switched to linear). The learning-rate schedule is a function of the training
minutes spent so far over --total-minutes, so a run resumed with --resume continues the
same schedule. Checkpoints every --save-every minutes and on SIGTERM/SIGINT.
"""
import argparse
import copy
import json
import os
import random
import signal
import sys
import time

# Passive OpenMP waiting: on a shared, busy machine spinning worker threads stall each
# other at every barrier (measured 3-5x slower steps with the default policy).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import objectives  # noqa: E402
from checkpoint import checkpoint_paths, load_state, load_weights, save_checkpoint  # noqa: E402
from model import DEFAULT_CONFIG, BertForPlayground  # noqa: E402
from vocab import vocab_hash  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = {
    "mlm": {"init": None, "mix": "mlm:1", "lr": 1e-3, "trains": []},
    "simbert": {"init": "mlm", "mix": "simbert:2,mlm:1", "lr": 2e-4, "trains": ["similarity_pool"]},
    "span": {"init": "simbert", "mix": "span:2,simbert:1,mlm:1", "lr": 2e-4, "trains": ["span_head"]},
    "linear": {"init": "span", "mix": "mlm:2,simbert:1,span:1", "lr": 5e-4, "trains": [],
               "attention": "linear"},
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stage", choices=list(STAGES), required=True)
    ap.add_argument("--minutes", type=float, default=10.0, help="budget of this run")
    ap.add_argument("--total-minutes", type=float, default=None,
                    help="planned minutes of the stage across runs (schedule length)")
    ap.add_argument("--resume", action="store_true", help="continue <stage>-latest")
    ap.add_argument("--init", default=None, help="weights to start from (default: previous stage)")
    ap.add_argument("--run-dir", default=HERE, help="holds checkpoints/ and logs/")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--seq-len", type=int, default=64, help="MLM sequence length")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--pair-batch", type=int, default=32, help="pairs per simbert batch")
    ap.add_argument("--span-batch", type=int, default=32)
    ap.add_argument("--max-side", type=int, default=40, help="tokens per side of a pair")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--mix", default=None, help="objective rotation, e.g. simbert:2,mlm:1")
    ap.add_argument("--mask-rate", type=float, default=0.2)
    ap.add_argument("--warmup-steps", type=int, default=300)
    ap.add_argument("--resume-warmup-steps", type=int, default=100)
    ap.add_argument("--save-every", type=float, default=5.0, help="minutes")
    ap.add_argument("--eval-every", type=float, default=10.0, help="minutes")
    ap.add_argument("--log-every", type=int, default=20, help="steps")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-modern", type=int, default=1024, help="held-out sentences per eval")
    ap.add_argument("--eval-poetry", type=int, default=512, help="held-out poetry lines per eval")
    ap.add_argument("--fp32", action="store_true", help="train in fp32 instead of bf16")
    ap.add_argument("--check-bf16", action="store_true",
                    help="print fp32 and bf16 losses side by side, then exit")
    ap.add_argument("--check-steps", type=int, default=50)
    return ap.parse_args()


class Trainer:
    """fp32 master weights + (optionally) a bf16 working copy that runs forward/backward.
    torch 1.13's CPU autocast fails on layer_norm, so the whole copy is cast by hand."""

    def __init__(self, master, lr, bf16):
        self.master = master
        self.work = copy.deepcopy(master).to(torch.bfloat16) if bf16 else master
        decay = [p for n, p in master.named_parameters() if p.dim() >= 2]
        no_decay = [p for n, p in master.named_parameters() if p.dim() < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                                      {"params": no_decay, "weight_decay": 0.0}],
                                     lr=lr, betas=(0.9, 0.999), eps=1e-6)

    def synced_work(self):
        """The working copy holding the current master weights. Evaluation runs on it too:
        Debian's torch uses the reference BLAS for fp32 matmuls (~20× slower than the
        oneDNN bf16 path here)."""
        if self.work is not self.master:
            with torch.no_grad():
                for pw, pm in zip(self.work.parameters(), self.master.parameters()):
                    pw.copy_(pm)
        return self.work

    def step(self, loss_fn, batch, lr):
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.synced_work()
        self.work.train()
        self.work.zero_grad(set_to_none=True)
        loss, parts = loss_fn(self.work, batch)
        loss.backward()
        if self.work is not self.master:
            for pw, pm in zip(self.work.parameters(), self.master.parameters()):
                pm.grad = None if pw.grad is None else pw.grad.float()
        torch.nn.utils.clip_grad_norm_(self.master.parameters(), 1.0)
        self.opt.step()
        return loss.item(), parts


class Objectives:
    """Builds each objective's data on first use and draws batches deterministically:
    batch k of a run uses random.Random(seed, global step) for its masks."""

    def __init__(self, args, tok, vhash, samplers_state):
        self.args, self.tok, self.vhash = args, tok, vhash
        self.samplers_state = samplers_state or {}
        self.samplers, self.items = {}, {}

    def _sampler(self, name, n):
        st = self.samplers_state.get(name, {})
        self.samplers[name] = data.EpochSampler(n, self.args.seed, st.get("epoch", 0), st.get("index", 0))

    def load(self, name):
        a = self.args
        if name in self.items:
            return
        if name == "mlm":
            self.items[name] = data.cached_sequences(self.tok, self.vhash, "train", a.seq_len)
        elif name == "simbert":
            self.items[name] = data.read_pairs("pairs_train.tsv", self.tok, a.max_side)
        elif name == "span":
            self.items[name] = data.read_spans(self.tok, DEFAULT_CONFIG["span_types"], 128, False)
        else:
            raise ValueError(f"unknown objective {name!r}; use mlm, simbert or span")
        self._sampler(name, len(self.items[name]))

    def batch(self, name, step):
        a = self.args
        self.load(name)
        rng = random.Random(a.seed * 1000003 + step)
        if name == "mlm":
            picked = [self.items[name][i] for i in self.samplers[name].take(a.batch_size)]
            return objectives.mlm_loss, data.mlm_batch(picked, rng, a.mask_rate, len(self.tok.tokens))
        if name == "simbert":
            picked = [self.items[name][i] for i in self.samplers[name].take(a.pair_batch)]
            return objectives.simbert_loss, data.seq2seq_batch(picked)
        picked = [self.items[name][i] for i in self.samplers[name].take(a.span_batch)]
        return objectives.span_loss, data.span_batch(picked, len(DEFAULT_CONFIG["span_types"]))

    def state(self):
        return {k: s.state() for k, s in self.samplers.items()}


def parse_mix(text):
    rotation = []
    for part in text.split(","):
        name, _, count = part.partition(":")
        rotation += [name.strip()] * int(count or 1)
    return rotation


class Evaluator:
    def __init__(self, args, tok, mix):
        self.mix = set(mix)
        rate, vsize = args.mask_rate, len(tok.tokens)
        modern = data.heldout_sequences(tok, "heldout.txt", args.seq_len)
        poetry = data.heldout_sequences(tok, "heldout_poetry.txt", args.seq_len)
        # a fixed random sample, the same at every evaluation and across runs
        modern = random.Random(4321).sample(modern, min(args.eval_modern, len(modern)))
        poetry = random.Random(4321).sample(poetry, min(args.eval_poetry, len(poetry)))
        self.modern = data.eval_batches(modern, 4321, rate, vsize)
        self.poetry = data.eval_batches(poetry, 4321, rate, vsize)
        self.pairs = data.read_pairs("pairs_heldout.tsv", tok, args.max_side) if "simbert" in self.mix else None
        spans = data.read_spans(tok, DEFAULT_CONFIG["span_types"], 128, True) if "span" in self.mix else None
        self.spans = None if spans is None else [
            data.span_batch(spans[i:i + 64], len(DEFAULT_CONFIG["span_types"])) for i in range(0, len(spans), 64)]

    def run(self, model):
        out = {}
        out["modern_top1"], out["modern_top5"] = objectives.mlm_accuracy(model, self.modern)
        out["poetry_top1"], out["poetry_top5"] = objectives.mlm_accuracy(model, self.poetry)
        if self.pairs:
            out["pair_top1"], out["pair_cos"] = objectives.pair_retrieval(model, self.pairs)
        if self.spans:
            out["span_f1"] = objectives.span_f1(model, self.spans)
        return {k: round(v, 3) for k, v in out.items()}


def build_model(args, tok, spec, vhash):
    """→ (model, state). Fresh, resumed from <stage>-latest, or initialised from --init."""
    weights_path, _ = checkpoint_paths(args.run_dir, args.stage)
    if args.resume:
        state = load_state(args.run_dir, args.stage)
        if state["vocab_hash"] != vhash:
            raise SystemExit(f"vocab changed since the checkpoint ({state['vocab_hash']} → {vhash}); "
                             "rebuild the vocab that trained it or start the stage fresh")
        model = BertForPlayground(state["config"])
        load_weights(model, weights_path)
        return model, state
    torch.manual_seed(args.seed)
    state = {"stage": args.stage, "step": 0, "tokens": 0, "elapsed_minutes": 0.0,
             "vocab_hash": vhash, "data_seed": args.seed, "trained_heads": [], "samplers": {}}
    init = args.init or (spec["init"] and checkpoint_paths(args.run_dir, spec["init"])[0])
    if init:
        with open(init.replace("-latest.safetensors", "-state.json"), encoding="utf-8") as f:
            prev = json.load(f)
        if prev["vocab_hash"] != vhash:
            raise SystemExit(f"{init} was trained with vocab {prev['vocab_hash']}, current is {vhash}")
        model = BertForPlayground(prev["config"])
        state["trained_heads"] = load_weights(model, init)
        state["init_from"] = os.path.relpath(init, args.run_dir)
    else:
        model = BertForPlayground(dict(DEFAULT_CONFIG, vocab_size=len(tok.tokens)))
    if spec.get("attention"):
        model.set_attention(spec["attention"])
    return model, state


def check_bf16(args, tok, vhash):
    torch.manual_seed(args.seed)
    fp32_model = BertForPlayground(dict(DEFAULT_CONFIG, vocab_size=len(tok.tokens)))
    bf16_model = copy.deepcopy(fp32_model)
    lr = args.lr or STAGES["mlm"]["lr"]
    a, b = Trainer(fp32_model, lr, bf16=False), Trainer(bf16_model, lr, bf16=True)
    objs = Objectives(args, tok, vhash, {})
    worst, times = 0.0, [0.0, 0.0]
    print("step  fp32_loss  bf16_loss  diff")
    for step in range(args.check_steps):
        loss_fn, batch = objs.batch("mlm", step)
        step_lr = lr * min(1.0, (step + 1) / args.warmup_steps)
        results = []
        for i, t in enumerate((a, b)):
            torch.manual_seed(step)  # same dropout masks for both
            t0 = time.time()
            results.append(t.step(loss_fn, batch, step_lr)[0])
            times[i] += time.time() - t0
        worst = max(worst, abs(results[0] - results[1]))
        print(f"{step:4d}  {results[0]:9.4f}  {results[1]:9.4f}  {results[1] - results[0]:+.4f}", flush=True)
    print(f"max |diff| {worst:.4f}; seconds/step fp32 {times[0] / args.check_steps:.3f}, "
          f"bf16 {times[1] / args.check_steps:.3f}")


def new_window():
    """Running sums between two log lines: {key: (sum, count)} per loss and loss part."""
    return {"sums": {}, "tokens": 0, "t0": time.time()}


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    tok = data.load_tokenizer()
    vhash = vocab_hash(tok.tokens)
    if args.check_bf16:
        check_bf16(args, tok, vhash)
        return
    spec = STAGES[args.stage]
    model, state = build_model(args, tok, spec, vhash)
    state["trained_heads"] = sorted(set(state["trained_heads"]) | set(spec["trains"]))
    total = args.total_minutes or state.get("total_minutes") or args.minutes
    state["total_minutes"] = total
    mix_text = args.mix or state.get("mix") or spec["mix"]
    state["mix"] = mix_text
    rotation = parse_mix(mix_text)
    peak = args.lr or state.get("peak_lr") or spec["lr"]
    state["peak_lr"] = peak
    state["config"] = model.config
    state["seq_len"] = args.seq_len
    print(f"stage {args.stage}: step {state['step']}, {state['elapsed_minutes']:.1f}/{total} min done, "
          f"mix {mix_text}, peak lr {peak}, bf16 {not args.fp32}", flush=True)

    trainer = Trainer(model, peak, bf16=not args.fp32)
    objs = Objectives(args, tok, vhash, state.get("samplers"))
    for name in set(rotation):
        objs.load(name)
    evaluator = Evaluator(args, tok, rotation)
    log_dir = os.path.join(args.run_dir, "logs")
    os.makedirs(log_dir, exist_ok=True)
    log_file = open(os.path.join(log_dir, f"{args.stage}.jsonl"), "a", encoding="utf-8")

    def log(record):
        record = {"stage": args.stage, **record}
        log_file.write(json.dumps(record) + "\n")
        log_file.flush()
        print(json.dumps(record), flush=True)

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum  # finish the current step, save, exit

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def save():
        state["samplers"] = objs.state()
        path = save_checkpoint(args.run_dir, args.stage, model, state)
        return path

    def evaluate():
        metrics = evaluator.run(trainer.synced_work())
        log({"event": "eval", "step": state["step"], "tokens": state["tokens"],
             "elapsed_minutes": round(state["elapsed_minutes"], 2), **metrics})

    if state["step"] == 0:
        evaluate()  # the baseline; not charged to the budget
    start = time.time()
    base_elapsed = state["elapsed_minutes"]
    last_save = last_eval = start
    run_step = 0
    window = new_window()
    while stop["signal"] is None and time.time() - start < args.minutes * 60:
        name = rotation[state["step"] % len(rotation)]
        loss_fn, batch = objs.batch(name, state["step"])
        progress = min(1.0, state["elapsed_minutes"] / total)
        warm = min(1.0, (state["step"] + 1) / args.warmup_steps)
        if args.resume:
            warm *= min(1.0, (run_step + 1) / args.resume_warmup_steps)
        lr = peak * warm * max(0.02, 1.0 - progress)
        loss, parts = trainer.step(loss_fn, batch, lr)
        n_tokens = int(batch["attention_mask"].sum())
        state["step"] += 1
        state["tokens"] += n_tokens
        state["elapsed_minutes"] = base_elapsed + (time.time() - start) / 60
        state["schedule_progress"] = round(progress, 5)
        run_step += 1
        window["tokens"] += n_tokens
        for k, v in [(f"loss_{name}", loss)] + list(parts.items()):
            total_v, count = window["sums"].get(k, (0.0, 0))
            window["sums"][k] = (total_v + v, count + 1)
        if run_step % args.log_every == 0:
            dt = time.time() - window["t0"]
            losses = {k: round(v / c, 4) for k, (v, c) in window["sums"].items()}
            if len(set(rotation)) == 1:
                losses = {"loss": losses.pop(f"loss_{rotation[0]}"), **losses}
            log({"step": state["step"], "tokens": state["tokens"], **losses,
                 "lr": round(lr, 7), "elapsed_minutes": round(state["elapsed_minutes"], 2),
                 "tokens_per_s": round(window["tokens"] / dt, 1)})
            window = new_window()
        if time.time() - last_eval >= args.eval_every * 60:
            evaluate()
            last_eval = time.time()
        if time.time() - last_save >= args.save_every * 60:
            save()
            last_save = time.time()
    evaluate()
    path = save()
    reason = f"signal {stop['signal']}" if stop["signal"] else "budget reached"
    print(f"saved {path} at step {state['step']} ({reason})", flush=True)
    log_file.close()


if __name__ == "__main__":
    main()
