"""Losses and held-out metrics for the training stages. Every loss takes the model it runs
on (fp32 master or its bf16 working copy) and a batch dict of tensors; logits are cast to
float32 before any softmax or log-sum-exp."""
import torch
import torch.nn.functional as F

from data import UNK

SIMILARITY_SCALE = 30.0


def mlm_loss(model, batch):
    """Cross-entropy on masked positions only (the decoder runs on those rows alone)."""
    hidden = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    sel = batch["labels"] != -100  # [B, L]
    logits = model.mlm_logits(hidden[sel]).float()  # [N, V]
    return F.cross_entropy(logits, batch["labels"][sel]), {}


@torch.no_grad()
def mlm_accuracy(model, batches):
    """Top-1 / top-5 accuracy (%) at masked positions whose target is not [UNK]."""
    model.eval()
    hits1 = hits5 = total = 0
    for batch in batches:
        hidden = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        sel = (batch["labels"] != -100) & (batch["labels"] != UNK)
        logits = model.mlm_logits(hidden[sel]).float()
        top5 = logits.topk(5, dim=-1).indices
        target = batch["labels"][sel][:, None]
        hits1 += (top5[:, :1] == target).sum().item()
        hits5 += (top5 == target).any(-1).sum().item()
        total += target.shape[0]
    return 100.0 * hits1 / max(1, total), 100.0 * hits5 / max(1, total)


def pair_targets(n):
    """Row i's partner in a batch of (a→b, b→a) rows: i+1−2·(i%2)."""
    idx = torch.arange(n)
    return idx + 1 - 2 * (idx % 2)


def similarity_loss(vectors):
    """In-batch softmax over cosine similarities: vectors [B, H] unit length."""
    sim = vectors.float() @ vectors.float().t()  # [B, B]
    sim = sim - torch.eye(sim.shape[0]) * 1e12  # a row must not pick itself
    return F.cross_entropy(sim * SIMILARITY_SCALE, pair_targets(sim.shape[0]))


def simbert_loss(model, batch):
    """UniLM seq2seq loss (predict each segment-1 token from the prefix) + similarity loss
    on the [CLS] vectors of the same forward pass ([CLS] sees only segment 0)."""
    ids, types, attn = batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]
    hidden = model.encode(ids, types, attn, mask_kind="unilm")
    # position t predicts token t+1 when t+1 is a real segment-1 token
    sel = (types[:, 1:] == 1) & (attn[:, 1:] == 1)  # [B, L-1]
    logits = model.mlm_logits(hidden[:, :-1][sel]).float()
    seq2seq = F.cross_entropy(logits, ids[:, 1:][sel])
    sim = similarity_loss(model.sentence_vector(hidden))
    return seq2seq + sim, {"seq2seq": seq2seq.item(), "similarity": sim.item()}


@torch.no_grad()
def pair_retrieval(model, pairs, batch_size=128):
    """Held-out paraphrase retrieval: for each a, is its own b the nearest of all b's?
    → (top-1 %, mean cosine of true pairs)."""
    from data import CLS, SEP
    model.eval()

    def encode(seqs):
        out = []
        for i in range(0, len(seqs), batch_size):
            chunk = [[CLS] + s + [SEP] for s in seqs[i:i + batch_size]]
            length = max(len(s) for s in chunk)
            ids = torch.zeros(len(chunk), length, dtype=torch.long)
            attn = torch.zeros_like(ids)
            for r, s in enumerate(chunk):
                ids[r, :len(s)] = torch.tensor(s)
                attn[r, :len(s)] = 1
            hidden = model.encode(ids, torch.zeros_like(ids), attn)
            out.append(model.sentence_vector(hidden).float())
        return torch.cat(out)

    va, vb = encode([a for a, _ in pairs]), encode([b for _, b in pairs])
    sim = va @ vb.t()
    top1 = (sim.argmax(-1) == torch.arange(len(pairs))).float().mean().item()
    return 100.0 * top1, sim.diagonal().mean().item()


def multilabel_categorical_ce(logits, labels, valid):
    """log(1 + Σ_neg e^s) + log(1 + Σ_pos e^−s) per (example, type), averaged.
    logits, labels, valid: [B, T, L, L]; invalid cells take part in neither sum."""
    b, t = logits.shape[:2]
    s = logits.reshape(b * t, -1)
    y = labels.reshape(b * t, -1) > 0.5
    v = valid.reshape(b * t, -1)
    neg_inf = torch.tensor(float("-inf"))
    zero = torch.zeros(b * t, 1)
    neg = torch.where(v & ~y, s, neg_inf)
    pos = torch.where(v & y, -s, neg_inf)
    loss = torch.logsumexp(torch.cat([zero, neg], 1), 1) + torch.logsumexp(torch.cat([zero, pos], 1), 1)
    return loss.mean()


def span_logits(model, batch):
    hidden = model.encode(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    return model.span_head(hidden, batch["attention_mask"])  # [B, T, L, L]


def span_loss(model, batch):
    logits = span_logits(model, batch)
    valid = logits > -1e11
    return multilabel_categorical_ce(logits, batch["span_labels"], valid), {}


@torch.no_grad()
def span_f1(model, batches):
    """Exact-match span F1 (%) with the decision rule s > 0."""
    model.eval()
    tp = n_pred = n_gold = 0
    for batch in batches:
        pred = span_logits(model, batch) > 0
        gold = batch["span_labels"] > 0.5
        tp += (pred & gold).sum().item()
        n_pred += pred.sum().item()
        n_gold += gold.sum().item()
    return 100.0 * 2 * tp / max(1, n_pred + n_gold)
