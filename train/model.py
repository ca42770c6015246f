"""Standard BERT (post-LN, erf GELU, learned positions, token types, tied MLM decoder,
pooler) whose state_dict names are the Hugging Face names, plus the two extra heads the
playground uses:

  similarity_pool.dense   [H, H]  linear layer on the pooler output; its L2-normalised
                                  output is the sentence vector of the similarity objective
  span_head.dense         [2·head_size, H]  Efficient GlobalPointer shared q/k projection
  span_head.bias_dense    [types·2, H]      per-type start/end biases

`attention: "linear"` swaps softmax attention for Katharopoulos linear attention
(φ(x) = elu(x) + 1, no 1/√d, ε = 1e-6).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CONFIG = {
    "vocab_size": 7395,
    "hidden_size": 256,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
    "max_position_embeddings": 128,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "hidden_act": "gelu",
    "pad_token_id": 0,
    "attention": "softmax",
    "span_head_size": 64,
    "span_types": ["ui_term"],
}
LINEAR_EPS = 1e-6


def bidirectional_mask(attention_mask):
    """[B, L] 1/0 padding mask → [B, 1, L, L] bool: query q may see key k iff k is real."""
    keep = attention_mask.bool()
    return keep[:, None, None, :].expand(-1, 1, keep.shape[1], -1)


def unilm_mask(token_type_ids, attention_mask):
    """UniLM seq2seq mask: c = cumsum(token types); q sees k iff c[k] <= c[q] and k is real.
    Segment 0 attends both ways, segment 1 causally. Returns [B, 1, L, L] bool."""
    c = torch.cumsum(token_type_ids, dim=1)
    allowed = c[:, None, :] <= c[:, :, None]  # [B, Lq, Lk]
    return (allowed & attention_mask.bool()[:, None, :])[:, None, :, :]


class SelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.head_dim = h // self.heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(cfg["attention_probs_dropout_prob"])
        self.kind = cfg["attention"]

    def forward(self, x, mask):
        b, l, h = x.shape

        def split(t):  # [B, L, H] → [B, heads, L, head_dim]
            return t.view(b, l, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        if self.kind == "softmax":
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)  # [B, heads, L, L]
            scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
            probs = self.dropout(torch.softmax(scores, dim=-1))
            ctx = probs @ v
        elif self.kind == "linear":
            # (φ(Q)φ(K)ᵀ ⊙ M)·V / rowsum(φ(Q)φ(K)ᵀ ⊙ M): identical to the linear form
            # φ(q)ᵀS / (φ(q)ᵀz + ε) with masked prefix sums, and cheap at L ≤ 128.
            # Accumulate in fp32: the row sums are large and bf16 loses digits.
            fq, fk = F.elu(q.float()) + 1, F.elu(k.float()) + 1
            weights = (fq @ fk.transpose(-1, -2)) * mask.float()  # [B, heads, L, L]
            ctx = (weights @ v.float()) / (weights.sum(-1, keepdim=True) + LINEAR_EPS)
            ctx = ctx.to(x.dtype)
        else:
            raise ValueError(f"attention must be 'softmax' or 'linear', got {self.kind!r}")
        return ctx.transpose(1, 2).reshape(b, l, h)  # [B, L, H]


class DenseLayerNorm(nn.Module):
    """dense → dropout → residual add → LayerNorm (the post-LN sublayer output)."""

    def __init__(self, d_in, cfg):
        super().__init__()
        self.dense = nn.Linear(d_in, cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])
        self.dropout = nn.Dropout(cfg["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = SelfAttention(cfg)
        self.output = DenseLayerNorm(cfg["hidden_size"], cfg)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))  # erf GELU


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = Attention(cfg)
        self.intermediate = Intermediate(cfg)
        self.output = DenseLayerNorm(cfg["intermediate_size"], cfg)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([Layer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])
        self.dropout = nn.Dropout(cfg["hidden_dropout_prob"])

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = (self.word_embeddings(input_ids) + self.position_embeddings(positions)[None]
             + self.token_type_embeddings(token_type_ids))
        return self.dropout(self.LayerNorm(x))


class Pooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])

    def forward(self, hidden):
        return torch.tanh(self.dense(hidden[:, 0]))


class Bert(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)
        self.pooler = Pooler(cfg)


class PredictionTransform(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, x):
        return self.LayerNorm(F.gelu(self.dense(x)))


class Predictions(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transform = PredictionTransform(cfg)
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))
        self.decoder = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)

    def forward(self, hidden):  # [N, H] → [N, V]
        return self.decoder(self.transform(hidden)) + self.bias


class Cls(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.predictions = Predictions(cfg)


class SimilarityPool(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])

    def forward(self, pooled):  # [B, H] → [B, H], unit length
        return F.normalize(self.dense(pooled), dim=-1)


class SpanHead(nn.Module):
    """Efficient GlobalPointer: shared q/k (q = even columns, k = odd) with interleaved RoPE,
    score q_iᵀk_j/√d plus per-type biases (start bias by i, end bias by j, each halved)."""

    def __init__(self, cfg):
        super().__init__()
        self.head_size = cfg["span_head_size"]
        self.types = len(cfg["span_types"])
        self.dense = nn.Linear(cfg["hidden_size"], 2 * self.head_size)
        self.bias_dense = nn.Linear(cfg["hidden_size"], 2 * self.types)

    @staticmethod
    def rope(x):
        """Interleaved-pair rotary embedding, base 10000: pair (x₀, x₁) at position p is
        rotated by angle p·10000^(−2i/d). x: [B, L, d] → [B, L, d]."""
        _, l, d = x.shape
        pos = torch.arange(l, dtype=torch.float32, device=x.device)[:, None]
        freq = torch.pow(10000.0, -torch.arange(0, d // 2, dtype=torch.float32, device=x.device) * 2 / d)
        angle = pos * freq[None, :]  # [L, d/2]
        sin = torch.repeat_interleave(torch.sin(angle), 2, dim=-1).to(x.dtype)
        cos = torch.repeat_interleave(torch.cos(angle), 2, dim=-1).to(x.dtype)
        rotated = torch.stack([-x[..., 1::2], x[..., 0::2]], dim=-1).reshape(x.shape)
        return x * cos + rotated * sin

    def forward(self, hidden, attention_mask):
        """hidden [B, L, H] → logits [B, types, L, L]; invalid (padding, i > j) → -1e12."""
        qk = self.dense(hidden)  # [B, L, 2·d]
        q, k = self.rope(qk[..., 0::2]), self.rope(qk[..., 1::2])
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_size)  # [B, L, L]
        bias = self.bias_dense(hidden).transpose(1, 2) / 2  # [B, 2·types, L]
        logits = scores[:, None] + bias[:, 0::2, :, None] + bias[:, 1::2, None, :]
        keep = attention_mask.bool()
        valid = keep[:, None, :, None] & keep[:, None, None, :]
        valid = valid & torch.ones_like(scores, dtype=torch.bool).triu()[:, None]
        return logits.float().masked_fill(~valid, -1e12)


class BertForPlayground(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        self.bert = Bert(cfg)
        self.cls = Cls(cfg)
        self.similarity_pool = SimilarityPool(cfg)
        self.span_head = SpanHead(cfg)
        self.apply(self._init)
        self.tie()

    def tie(self):
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight

    def _init(self, m):
        std = self.config["initializer_range"]
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def set_attention(self, kind):
        self.config["attention"] = kind
        for layer in self.bert.encoder.layer:
            layer.attention.self.kind = kind

    def encode(self, input_ids, token_type_ids, attention_mask, mask_kind="bidirectional"):
        """→ hidden states [B, L, H]."""
        if mask_kind == "bidirectional":
            mask = bidirectional_mask(attention_mask)
        elif mask_kind == "unilm":
            mask = unilm_mask(token_type_ids, attention_mask)
        else:
            raise ValueError(f"mask_kind must be 'bidirectional' or 'unilm', got {mask_kind!r}")
        x = self.bert.embeddings(input_ids, token_type_ids)
        return self.bert.encoder(x, mask)

    def mlm_logits(self, hidden_rows):
        """Logits only for the rows that need them: hidden_rows [N, H] → [N, V]."""
        return self.cls.predictions(hidden_rows)

    def sentence_vector(self, hidden):
        return self.similarity_pool(self.bert.pooler(hidden))
