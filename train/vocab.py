"""Restrict the bert-base-chinese vocabulary to the tokens the training corpus uses.

Keeps [PAD] [UNK] [CLS] [SEP] [MASK] and every token counted at least --min-count times
in train.txt, pairs_train.tsv and spans.jsonl; drops the [unusedN] slots and everything
else. Token order is the original order, so ids stay monotonic with the full vocabulary.
Writes train/work/vocab.txt and the committed copy train/vocab.txt.

Run: /usr/bin/python3 train/vocab.py [--min-count 2]
"""
import argparse
import collections
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tokenizer import SPECIAL, WordPieceTokenizer, read_vocab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
FULL_VOCAB = os.path.join(HERE, "..", "tests", "fixtures", "hf-tiny-bert-zh", "vocab.txt")


def corpus_lines():
    with open(os.path.join(WORK, "train.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line.rstrip("\n")
    with open(os.path.join(WORK, "pairs_train.tsv"), encoding="utf-8") as f:
        for line in f:
            a, b = line.rstrip("\n").split("\t")[:2]
            yield a
            yield b
    with open(os.path.join(WORK, "spans.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if not row["heldout"]:
                yield row["text"]


def vocab_hash(tokens):
    return hashlib.sha256("\n".join(tokens).encode("utf-8")).hexdigest()[:16]


def write_vocab(path, tokens):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(t + "\n" for t in tokens))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args()
    full = read_vocab(FULL_VOCAB)
    if len(full) != 21128:
        raise SystemExit(f"{FULL_VOCAB}: expected 21128 tokens, found {len(full)}")
    tok = WordPieceTokenizer(full)
    counts = collections.Counter()
    for line in corpus_lines():
        counts.update(tok.tokenize(line))
    keep = set(SPECIAL) | {t for t, c in counts.items() if c >= args.min_count}
    kept = [t for t in full if t in keep]
    write_vocab(os.path.join(WORK, "vocab.txt"), kept)
    write_vocab(os.path.join(HERE, "vocab.txt"), kept)

    small = WordPieceTokenizer(kept)
    total = unk_full = unk_small = 0
    with open(os.path.join(WORK, "heldout.txt"), encoding="utf-8") as f:
        for line in f:
            t_full = tok.tokenize(line)
            t_small = small.tokenize(line)
            total += len(t_small)
            unk_full += t_full.count("[UNK]")
            unk_small += t_small.count("[UNK]")
    print(f"corpus tokens {sum(counts.values())}, distinct {len(counts)}, kept {len(kept)} "
          f"(min count {args.min_count}), vocab hash {vocab_hash(kept)}")
    print(f"held-out [UNK] rate: full vocab {unk_full / max(1, total):.4%}, "
          f"restricted {unk_small / max(1, total):.4%}")


if __name__ == "__main__":
    main()
