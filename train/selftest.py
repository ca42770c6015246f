"""Checks of the training code against independent computations (fast, CPU, ~1 minute).

  /usr/bin/python3 train/selftest.py

Covers: tokenizer vs the Hugging Face reference cases, UniLM mask, linear attention in
masked-matrix form vs the recurrent φ(q)ᵀS/(φ(q)ᵀz+ε) form, RoPE relative-position
property, GlobalPointer loss on a hand-computed case, safetensors round trip, and that each
objective (mlm, simbert, span) can overfit one real batch.
"""
import math
import os
import random
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import objectives  # noqa: E402
import tokenizer  # noqa: E402
from checkpoint import load_weights, save_checkpoint  # noqa: E402
from model import DEFAULT_CONFIG, BertForPlayground, SpanHead, unilm_mask  # noqa: E402

TINY = dict(DEFAULT_CONFIG, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            span_head_size=16)


def check_unilm_mask():
    types = torch.tensor([[0, 0, 0, 1, 1, 0]])  # last position is padding
    attn = torch.tensor([[1, 1, 1, 1, 1, 0]])
    m = unilm_mask(types, attn)[0, 0].int()
    expected = torch.tensor([[1, 1, 1, 0, 0, 0],
                             [1, 1, 1, 0, 0, 0],
                             [1, 1, 1, 0, 0, 0],
                             [1, 1, 1, 1, 0, 0],
                             [1, 1, 1, 1, 1, 0],
                             [1, 1, 1, 1, 1, 0]])
    assert torch.equal(m, expected), m
    print("unilm mask ok")


def recurrent_linear_attention(q, k, v, types, attn):
    """Reference: per query, S = Σ_{visible j} φ(k_j)v_jᵀ, z = Σ φ(k_j); visible = UniLM rule."""
    fq, fk = F.elu(q) + 1, F.elu(k) + 1
    c = torch.cumsum(types, 0)
    out = torch.zeros_like(v)
    for i in range(q.shape[0]):
        S = torch.zeros(q.shape[1], v.shape[1], dtype=q.dtype)
        z = torch.zeros(q.shape[1], dtype=q.dtype)
        for j in range(q.shape[0]):
            if attn[j] and c[j] <= c[i]:
                S += torch.outer(fk[j], v[j])
                z += fk[j]
        out[i] = (fq[i] @ S) / (fq[i] @ z + 1e-6)
    return out


def check_linear_attention():
    torch.manual_seed(0)
    cfg = dict(TINY, attention="linear")
    model = BertForPlayground(cfg).double()
    attn_mod = model.bert.encoder.layer[0].attention.self
    x = torch.randn(1, 7, 32, dtype=torch.float64)
    types = torch.tensor([[0, 0, 0, 1, 1, 1, 0]])
    attn = torch.tensor([[1, 1, 1, 1, 1, 1, 0]])
    for kind, mask in (("bidirectional", attn[:, None, None, :].bool().expand(1, 1, 7, 7)),
                       ("unilm", unilm_mask(types, attn))):
        got = attn_mod(x, mask)[0]
        q, k, v = attn_mod.query(x)[0], attn_mod.key(x)[0], attn_mod.value(x)[0]
        t = types[0] if kind == "unilm" else torch.zeros(7, dtype=torch.long)
        ref = torch.cat([recurrent_linear_attention(q[:, h * 16:(h + 1) * 16], k[:, h * 16:(h + 1) * 16],
                                                    v[:, h * 16:(h + 1) * 16], t, attn[0])
                         for h in range(2)], dim=-1)
        err = (got - ref).abs().max().item()
        assert err < 1e-5, (kind, err)  # the model accumulates in float32
        print(f"linear attention ({kind}) matches the recurrent form, max err {err:.2e}")


def check_rope():
    torch.manual_seed(0)
    q = torch.randn(1, 1, 8, dtype=torch.float64).expand(1, 12, 8)
    k = torch.randn(1, 1, 8, dtype=torch.float64).expand(1, 12, 8)
    rq, rk = SpanHead.rope(q.contiguous()), SpanHead.rope(k.contiguous())
    s = (rq @ rk.transpose(-1, -2))[0]
    # constant vectors: the score depends on j − i only
    assert abs(s[2, 5] - s[6, 9]) < 1e-5 and abs(s[0, 3] - s[7, 10]) < 1e-5  # float32 angles
    # pair (x0, x1) at position 1 rotated by angle 1 (first frequency is 10000^0 = 1)
    x = torch.zeros(1, 2, 8, dtype=torch.float64)
    x[0, 1, 0] = 1.0
    r = SpanHead.rope(x)[0, 1]
    assert abs(r[0] - math.cos(1.0)) < 1e-6 and abs(r[1] - math.sin(1.0)) < 1e-6, r
    print("rope ok")


def check_multilabel_ce():
    logits = torch.tensor([[[[1.0, -2.0], [-1e12, 0.5]]]])  # [1, 1, 2, 2], one invalid cell
    labels = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    valid = logits > -1e11
    got = objectives.multilabel_categorical_ce(logits, labels, valid).item()
    expected = math.log(1 + math.exp(-2.0) + math.exp(0.5)) + math.log(1 + math.exp(-1.0))
    assert abs(got - expected) < 1e-6, (got, expected)
    print("multilabel categorical cross-entropy ok")


def check_checkpoint_roundtrip():
    torch.manual_seed(0)
    model = BertForPlayground(dict(TINY, vocab_size=50))
    with tempfile.TemporaryDirectory() as tmp:
        state = {"step": 1, "vocab_hash": "x", "trained_heads": ["similarity_pool"]}
        save_checkpoint(tmp, "mlm", model, state)
        other = BertForPlayground(dict(TINY, vocab_size=50))
        heads = load_weights(other, os.path.join(tmp, "checkpoints", "mlm-latest.safetensors"))
    assert heads == ["similarity_pool"], heads
    a, b = model.state_dict(), other.state_dict()
    for name in a:
        if name.startswith("span_head."):
            if name.endswith("weight"):  # biases start at zero in both models
                assert not torch.equal(a[name], b[name]), "untrained head must not be saved"
        else:
            assert torch.equal(a[name], b[name]), name
    assert other.cls.predictions.decoder.weight is other.bert.embeddings.word_embeddings.weight
    print("checkpoint round trip ok (tied decoder restored, untrained span head left out)")


def overfit(name, loss_fn, batch, cfg, steps=30):
    torch.manual_seed(0)
    model = BertForPlayground(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    first = last = None
    for _ in range(steps):
        opt.zero_grad()
        loss, _ = loss_fn(model, batch)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
    assert math.isfinite(last) and last < 0.6 * first, (name, first, last)
    print(f"{name}: loss {first:.3f} → {last:.3f} on one batch")


def check_objectives():
    tok = data.load_tokenizer()
    cfg = dict(TINY, vocab_size=len(tok.tokens))
    rng = random.Random(0)
    seqs = data.pack_sequences(tok, [["今天天气很好。", "我们去公园散步吧。"],
                                     ["打开「格式」菜单，选择「段落」。"]], 64)
    overfit("mlm", objectives.mlm_loss, data.mlm_batch(seqs, rng, 0.3, len(tok.tokens)), cfg)
    pairs = [(tok.encode("选择要删除的行。"), tok.encode("选取要删除的列。")),
             (tok.encode("插入新的工作表。"), tok.encode("插入一个新工作表。"))]
    batch = data.seq2seq_batch(pairs)
    assert batch["token_type_ids"][0].tolist().count(1) == len(pairs[0][1]) + 1
    overfit("simbert", objectives.simbert_loss, batch, cfg)
    ids, offsets = data.tokenize_with_offsets(tok, "打开格式菜单，选择Word段落")
    assert [tok.tokens[i] for i in ids][:4] == ["打", "开", "格", "式"]
    assert offsets[9] == (9, 13), offsets  # "word" is one piece covering "Word"
    examples = [([data.CLS] + tok.encode("打开格式菜单") + [data.SEP], [(0, 3, 4)]),
                ([data.CLS] + tok.encode("选择段落") + [data.SEP], [(0, 3, 4)])]
    overfit("span", objectives.span_loss, data.span_batch(examples, 1), cfg)


if __name__ == "__main__":
    torch.set_num_threads(1)
    assert tokenizer._self_check()
    check_unilm_mask()
    check_linear_attention()
    check_rope()
    check_multilabel_ce()
    check_checkpoint_roundtrip()
    check_objectives()
    print("all checks passed")
