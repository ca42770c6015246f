"""Tokenised training data: MLM sequences with jieba word boundaries, masking, held-out
evaluation sets, paraphrase pairs and span examples.

Token ids come from train/work/vocab.txt. The MLM sequences are cached in
train/work/mlm-<vocab hash>-<len>.pt so later runs skip jieba.
"""
import json
import logging
import os
import random

import torch

from tokenizer import WordPieceTokenizer, is_cjk, is_punctuation, is_whitespace

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4  # the restricted vocab starts with these five


def load_tokenizer(path=os.path.join(WORK, "vocab.txt")):
    tok = WordPieceTokenizer.from_file(path)
    expected = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    if tok.tokens[:5] != expected:
        raise ValueError(f"{path}: first tokens must be {expected}; rebuild with train/vocab.py")
    return tok


def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def sentence_words(tok, jieba, sentence):
    """→ (ids, word_ids): token ids and, per token, the index of its jieba word."""
    ids, word_ids = [], []
    for w, word in enumerate(jieba.cut(sentence, HMM=True)):
        for t in tok.tokenize(word):
            ids.append(tok.ids.get(t, UNK))
            word_ids.append(w)
    return ids, word_ids


def read_paragraphs(path):
    paragraphs, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                cur.append(line)
            elif cur:
                paragraphs.append(cur)
                cur = []
    if cur:
        paragraphs.append(cur)
    return paragraphs


def pack_sequences(tok, paragraphs, max_len):
    """Greedy packing at sentence boundaries: each sequence is [CLS] s₁ s₂ … [SEP] with at
    most max_len tokens; a sentence longer than the room left starts a new sequence and is
    cut if it is longer than a whole sequence. Returns a list of (ids, word_ids)."""
    jieba = _jieba()
    room = max_len - 2
    seqs = []
    for sentences in paragraphs:
        ids, wids = [], []
        for s in sentences:
            sid, swid = sentence_words(tok, jieba, s)
            base = (wids[-1] + 1) if wids else 0
            swid = [w + base for w in swid]
            if ids and len(ids) + len(sid) > room:
                seqs.append((ids, wids))
                ids, wids = [], []
                swid = [w - base for w in swid]
            while len(sid) > room:
                seqs.append((sid[:room], swid[:room]))
                sid, swid = sid[room:], swid[room:]
            ids, wids = ids + sid, wids + swid
        if ids:
            seqs.append((ids, wids))
    return seqs


def cached_sequences(tok, vocab_hash, name, max_len):
    """Packed sequences of train/work/<name>.txt, cached by vocab hash and length."""
    cache = os.path.join(WORK, f"{name}-{vocab_hash}-{max_len}.pt")
    if os.path.exists(cache):
        return torch.load(cache)
    seqs = pack_sequences(tok, read_paragraphs(os.path.join(WORK, f"{name}.txt")), max_len)
    torch.save(seqs, cache)
    return seqs


def mask_sequence(ids, word_ids, rng, rate, vocab_size, random_replace=True):
    """Whole-word masking: pick jieba words in random order until ≥ rate·len tokens are
    chosen. Chosen tokens become [MASK] 80%, a random token 10%, unchanged 10% (or all
    [MASK] when random_replace is False, for evaluation). → (inputs, labels with -100)."""
    n = len(ids)
    words = {}
    for i, w in enumerate(word_ids):
        words.setdefault(w, []).append(i)
    order = list(words)
    rng.shuffle(order)
    target = max(1, round(rate * n))
    chosen = []
    for w in order:
        if len(chosen) >= target:
            break
        chosen.extend(words[w])
    inputs, labels = list(ids), [-100] * n
    for i in chosen:
        labels[i] = ids[i]
        r = rng.random() if random_replace else 0.0
        if r < 0.8:
            inputs[i] = MASK
        elif r < 0.9:
            inputs[i] = rng.randrange(5, vocab_size)
    return inputs, labels


def mlm_batch(seqs, rng, rate, vocab_size, random_replace=True):
    """seqs: list of (ids, word_ids) without specials → dict of [B, L] tensors."""
    length = max(len(s[0]) for s in seqs) + 2
    b = len(seqs)
    input_ids = torch.zeros(b, length, dtype=torch.long)
    labels = torch.full((b, length), -100, dtype=torch.long)
    attention = torch.zeros(b, length, dtype=torch.long)
    for r, (ids, wids) in enumerate(seqs):
        inp, lab = mask_sequence(ids, wids, rng, rate, vocab_size, random_replace)
        n = len(ids) + 2
        input_ids[r, :n] = torch.tensor([CLS] + inp + [SEP])
        labels[r, 1:n - 1] = torch.tensor(lab)
        attention[r, :n] = 1
    return {"input_ids": input_ids, "token_type_ids": torch.zeros_like(input_ids),
            "attention_mask": attention, "labels": labels}


def eval_batches(seqs, seed, rate, vocab_size, batch_size=64, limit=None):
    """A fixed list of masked batches (same masks at every evaluation)."""
    rng = random.Random(seed)
    seqs = seqs[:limit] if limit else seqs
    return [mlm_batch(seqs[i:i + batch_size], rng, rate, vocab_size, random_replace=False)
            for i in range(0, len(seqs), batch_size)]


def heldout_sequences(tok, name, max_len):
    """Held-out files hold one sentence per line; each sentence is its own sequence."""
    return pack_sequences(tok, [[l] for p in read_paragraphs(os.path.join(WORK, name))
                                for l in p], max_len)


class EpochSampler:
    """Deterministic shuffled order per epoch; the position is (epoch, index) so a resumed
    run continues with the batch it would have drawn next."""

    def __init__(self, n, seed, epoch=0, index=0):
        self.n, self.seed, self.epoch, self.index = n, seed, epoch, index
        self._order = self._make_order()

    def _make_order(self):
        order = list(range(self.n))
        random.Random(self.seed * 1000003 + self.epoch).shuffle(order)
        return order

    def take(self, k):
        out = []
        while len(out) < k:
            if self.index >= self.n:
                self.epoch += 1
                self.index = 0
                self._order = self._make_order()
            out.append(self._order[self.index])
            self.index += 1
        return out

    def state(self):
        return {"epoch": self.epoch, "index": self.index}


def read_pairs(name, tok, max_side):
    rows = []
    with open(os.path.join(WORK, name), encoding="utf-8") as f:
        for line in f:
            a, b = line.rstrip("\n").split("\t")[:2]
            rows.append((tok.encode(a)[:max_side], tok.encode(b)[:max_side]))
    return rows


def seq2seq_batch(pairs):
    """Each pair (a, b) gives rows [CLS]a[SEP]b[SEP] and [CLS]b[SEP]a[SEP] (types 0…0 1…1),
    adjacent, so row i's partner is row i+1−2·(i%2). → dict of [2P, L] tensors."""
    rows = []
    for a, b in pairs:
        rows.append(([CLS] + a + [SEP], b + [SEP]))
        rows.append(([CLS] + b + [SEP], a + [SEP]))
    length = max(len(x) + len(y) for x, y in rows)
    n = len(rows)
    input_ids = torch.zeros(n, length, dtype=torch.long)
    types = torch.zeros(n, length, dtype=torch.long)
    attention = torch.zeros(n, length, dtype=torch.long)
    for r, (x, y) in enumerate(rows):
        input_ids[r, :len(x) + len(y)] = torch.tensor(x + y)
        types[r, len(x):len(x) + len(y)] = 1
        attention[r, :len(x) + len(y)] = 1
    return {"input_ids": input_ids, "token_type_ids": types, "attention_mask": attention}


def tokenize_with_offsets(tok, text):
    """→ (ids, [(char_start, char_end)]) per token. Words come from the same rules as the
    tokenizer (CJK chars and punctuation alone, whitespace splits); a word's pieces share
    the word's character range unless normalisation kept its length, in which case each
    piece gets its own characters."""
    words, start = [], None
    for i, ch in enumerate(text + " "):
        alone = is_cjk(ord(ch)) or is_punctuation(ch)
        if is_whitespace(ch) or alone:
            if start is not None:
                words.append((start, i))
                start = None
            if alone:
                words.append((i, i + 1))
        elif start is None:
            start = i
    ids, offsets = [], []
    for s, e in words:
        pieces = tok.tokenize(text[s:e])
        lengths = [len(p[2:] if p.startswith("##") else p) for p in pieces]
        exact = "[UNK]" not in pieces and sum(lengths) == e - s
        pos = s
        for p, n in zip(pieces, lengths):
            ids.append(tok.ids.get(p, UNK))
            offsets.append((pos, pos + n) if exact else (s, e))
            pos += n if exact else 0
    return ids, offsets


def read_spans(tok, types, max_len, heldout):
    """spans.jsonl → list of (ids with [CLS]/[SEP], [(type, start_tok, end_tok)])."""
    out = []
    with open(os.path.join(WORK, "spans.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["heldout"] != heldout:
                continue
            ids, offsets = tokenize_with_offsets(tok, row["text"])
            ids, offsets = ids[:max_len - 2], offsets[:max_len - 2]
            labels = []
            for s, e, kind in row["spans"]:
                starts = [i for i, (a, b) in enumerate(offsets) if a <= s < b]
                ends = [i for i, (a, b) in enumerate(offsets) if a < e <= b]
                if starts and ends and starts[0] <= ends[0]:
                    labels.append((types.index(kind), starts[0] + 1, ends[0] + 1))
            out.append(([CLS] + ids + [SEP], labels))
    return out


def span_batch(examples, n_types):
    length = max(len(ids) for ids, _ in examples)
    b = len(examples)
    input_ids = torch.zeros(b, length, dtype=torch.long)
    attention = torch.zeros(b, length, dtype=torch.long)
    labels = torch.zeros(b, n_types, length, length)
    for r, (ids, spans) in enumerate(examples):
        input_ids[r, :len(ids)] = torch.tensor(ids)
        attention[r, :len(ids)] = 1
        for t, s, e in spans:
            labels[r, t, s, e] = 1
    return {"input_ids": input_ids, "token_type_ids": torch.zeros_like(input_ids),
            "attention_mask": attention, "span_labels": labels}
