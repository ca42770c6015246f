"""A BERT WordPiece tokenizer that behaves like Hugging Face's slow BertTokenizer with
do_lower_case=True, tokenize_chinese_chars=True, strip_accents=None (lower-casing strips
accents), max_input_chars_per_word=100, special tokens never split.

Checked against tests/fixtures/reference/tokenizer-cases.json by `python3 train/tokenizer.py`.
"""
import json
import os
import re
import sys
import unicodedata

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SPECIAL_RE = re.compile(r"(\[PAD\]|\[UNK\]|\[CLS\]|\[SEP\]|\[MASK\])")


def read_vocab(path):
    """Token list; split on '\\n' only (one token is U+2028, a line separator to Python)."""
    with open(path, encoding="utf-8", newline="") as f:
        tokens = f.read().split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    return tokens


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_tokens(text):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        cleaned.append(" " if is_whitespace(ch) else ch)
    spaced = []
    for ch in cleaned:
        if is_cjk(ord(ch)):
            spaced.extend((" ", ch, " "))
        else:
            spaced.append(ch)
    text = unicodedata.normalize("NFC", "".join(spaced))
    out = []
    for word in text.split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(c for c in word if unicodedata.category(c) != "Mn")
        buf = ""
        for ch in word:
            if is_punctuation(ch):
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(ch)
            else:
                buf += ch
        if buf:
            out.append(buf)
    return out


class WordPieceTokenizer:
    def __init__(self, tokens):
        self.tokens = list(tokens)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.unk_id = self.ids["[UNK]"]
        self._cache = {}

    @classmethod
    def from_file(cls, path):
        return cls(read_vocab(path))

    def wordpiece(self, word):
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > 100:
            pieces = ["[UNK]"]
        else:
            pieces, start = [], 0
            while start < len(word):
                end, found = len(word), None
                while start < end:
                    sub = word[start:end] if start == 0 else "##" + word[start:end]
                    if sub in self.ids:
                        found = sub
                        break
                    end -= 1
                if found is None:
                    pieces = ["[UNK]"]
                    break
                pieces.append(found)
                start = end
        if len(self._cache) < 500000:
            self._cache[word] = pieces
        return pieces

    def tokenize(self, text):
        out = []
        for part in SPECIAL_RE.split(text):
            if not part:
                continue
            if part in SPECIAL and part in self.ids:
                out.append(part)
                continue
            for word in basic_tokens(part):
                out.extend(self.wordpiece(word))
        return out

    def encode(self, text):
        return [self.ids.get(t, self.unk_id) for t in self.tokenize(text)]


def _self_check():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
    tok = WordPieceTokenizer.from_file(os.path.join(root, "hf-tiny-bert-zh", "vocab.txt"))
    with open(os.path.join(root, "reference", "tokenizer-cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    bad = 0
    for case in cases:
        got = tok.tokenize(case["text"])
        if got != case["tokens"] or tok.encode(case["text"]) != case["ids"]:
            bad += 1
            print("MISMATCH", repr(case["text"]), got, case["tokens"])
    print(f"{len(cases) - bad}/{len(cases)} tokenizer cases match")
    return bad == 0


if __name__ == "__main__":
    sys.exit(0 if _self_check() else 1)
