"""Build the training corpus for the default model from Debian packages and npm chinese-poetry.

Outputs (train/work/, never committed):
  train.txt           sentences, one per line, a blank line between paragraphs/poems
  heldout.txt         modern held-out sentences, one per line
  heldout_poetry.txt  poetry held-out lines (a small sample, for a second accuracy curve)
  pairs_train.tsv     LibreOffice zh-CN ⟷ zh-TW (→ simplified) paragraph pairs: a \t b \t key
  pairs_heldout.tsv   same, held out
  spans.jsonl         {"text", "spans": [[start, end, "ui_term"]], "heldout"} from 「」 marks

Run: /usr/bin/python3 train/corpus.py [--seed 1234]
"""
import argparse
import difflib
import glob
import gzip
import json
import os
import random
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from textclean import (ANSI_RE, approx_tokens, cjk_count, has_enough_cjk, html_blocks,  # noqa: E402
                       normalize_space, opencc_convert, roff_paragraphs, split_sentences,
                       stable_bucket)

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
DEB_PACKAGES = ["libreoffice-help-zh-cn", "libreoffice-help-zh-tw", "manpages-zh",
                "debian-reference-zh-cn", "maint-guide-zh-cn", "debian-faq-zh-cn",
                "kicad-doc-zh", "debian-edu-doc-zh-cn", "fortunes-zh"]
POETRY_PKG = "chinese-poetry@2.0.1"
POETRY_TGZ = "chinese-poetry-2.0.1.tgz"
LO_ROOT = "/usr/share/libreoffice/help"
HTML_DOCS = {
    "debian-reference": "/usr/share/debian-reference/*.zh-cn.html",
    "maint-guide": "/usr/share/doc/maint-guide-zh-cn/html/*.zh-cn.html",
    "debian-faq": "/usr/share/doc/debian/FAQ/zh-cn/*.zh-cn.html",
    "kicad": "/usr/share/doc/kicad/help/zh/*.html",
    "debian-edu": "/usr/share/doc/debian-edu-doc-zh-cn/*.html",
}
FORTUNES = "/usr/share/games/fortunes"
# Held-out rates in units of 1/10000. LibreOffice keys get more, because the same
# keys also choose the held-out paraphrase pairs (1000+ wanted out of ~13 k).
HELDOUT_LO = 800
HELDOUT_OTHER = 200
MAN_KEEP = 3500  # keep 35% of man-page paragraphs (down-weighting, see README)
POETRY_SHARE = 0.28  # poetry's share of training tokens
PAIR_MAX_SIMILARITY = 0.9
MAX_SPAN_CHARS = 16


def ensure_packages():
    missing = [p for p in DEB_PACKAGES
               if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        print("installing", " ".join(missing), flush=True)
        subprocess.run(["apt-get", "install", "-y", *missing], check=True)


def ensure_poetry():
    tgz = os.path.join(WORK, POETRY_TGZ)
    if not os.path.exists(tgz):
        subprocess.run(["npm", "pack", POETRY_PKG], cwd=WORK, check=True)
    root = os.path.join(WORK, "poetry")
    if not os.path.isdir(os.path.join(root, "package")):
        os.makedirs(root, exist_ok=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(root)
    return os.path.join(root, "package", "dist")


def libreoffice_pages(lang):
    """{(page relpath, paragraph id): text}, first occurrence of an id per page."""
    base = os.path.join(LO_ROOT, lang)
    out = {}
    for path in sorted(glob.glob(os.path.join(base, "text", "**", "*.html"), recursive=True)):
        rel = os.path.relpath(path, base)
        with open(path, encoding="utf-8") as f:
            for block_id, text in html_blocks(f.read()):
                if block_id and (rel, block_id) not in out:
                    out[(rel, block_id)] = text
    return out


def man_pages():
    for path in sorted(glob.glob("/usr/share/man/zh_CN/man*/*.gz")):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            source = f.read()
        for i, para in enumerate(roff_paragraphs(source)):
            yield f"man:{os.path.basename(path)}#{i}", para


def html_docs():
    for name, pattern in HTML_DOCS.items():
        for path in sorted(glob.glob(pattern)):
            with open(path, encoding="utf-8", errors="replace") as f:
                blocks = html_blocks(f.read())
            for i, (_, text) in enumerate(blocks):
                yield name, f"{name}:{os.path.basename(path)}#{i}", text


def fortune_entries(name):
    with open(os.path.join(FORTUNES, name), encoding="utf-8", errors="replace") as f:
        raw = ANSI_RE.sub("", f.read())
    return [e.strip("\n") for e in raw.split("\n%\n") if e.strip()]


def fortune_quotes():
    for i, entry in enumerate(fortune_entries("chinese.u8")):
        lines = [l for l in entry.split("\n") if not l.strip().startswith("--")]
        yield f"fortune:{i}", normalize_space(" ".join(lines))


def fortune_poems():
    for name in ("tang300.u8", "song100.u8"):
        for entry in fortune_entries(name):
            lines = [l.strip() for l in entry.split("\n")
                     if l.strip() and not l.strip().startswith(("《", "作者"))]
            yield lines


def json_poems(dist):
    """Lists of lines from every poem/chapter object in chinese-poetry's JSON files."""
    def walk(node):
        if isinstance(node, list):
            for x in node:
                yield from walk(x)
        elif isinstance(node, dict):
            for key in ("paragraphs", "content", "para"):
                val = node.get(key)
                if isinstance(val, str):
                    val = [val]
                if isinstance(val, list) and val and all(isinstance(x, str) for x in val):
                    yield [x.strip() for x in val if x.strip()]
                    break
            else:
                for v in node.values():
                    if isinstance(v, (list, dict)):
                        yield from walk(v)

    for path in sorted(glob.glob(os.path.join(dist, "**", "*.json"), recursive=True)):
        rel = os.path.relpath(path, dist)
        if any(p in rel for p in ("error", "rank", "strains")) or \
                os.path.basename(rel).startswith("author"):
            continue
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError:
                continue
        yield from walk(data)


class ModernCollector:
    """Sentence-level dedup and held-out routing for modern text."""

    def __init__(self):
        self.seen = set()
        self.train, self.heldout = [], []
        self.stats = {}

    def add(self, source, key, text, heldout_rate, min_ratio=0.3):
        if not has_enough_cjk(text, 4, min_ratio):
            return
        sentences = []
        for s in split_sentences(text):
            if s in self.seen or not has_enough_cjk(s, 2, min_ratio):
                continue
            self.seen.add(s)
            sentences.append(s)
        if not sentences:
            return
        held = stable_bucket(key) < heldout_rate
        (self.heldout if held else self.train).append(sentences)
        st = self.stats.setdefault(source, [0, 0, 0])
        st[0] += 1
        st[1] += sum(cjk_count(s) for s in sentences)
        st[2] += int(held)


def build_pairs(cn, tw_simplified):
    pairs_train, pairs_held = [], []
    identical = near = 0
    for key, a in cn.items():
        b = tw_simplified.get(key)
        if b is None or not has_enough_cjk(a) or not has_enough_cjk(b):
            continue
        a, b = a.replace("\t", " "), b.replace("\t", " ")
        if a == b:
            identical += 1
            continue
        if difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= PAIR_MAX_SIMILARITY:
            near += 1
            continue
        row = (a, b, f"{key[0]}#{key[1]}")
        (pairs_held if stable_bucket(f"lo:{key[0]}#{key[1]}") < HELDOUT_LO else pairs_train).append(row)
    return pairs_train, pairs_held, identical, near


def bracket_spans(sentence):
    """Remove 「」 and return (text, [[start, end]]) or None when brackets are unbalanced."""
    text, spans, start = [], [], None
    for ch in sentence:
        if ch == "「":
            if start is not None:
                return None
            start = len(text)
        elif ch == "」":
            if start is None:
                return None
            if len(text) > start:
                spans.append([start, len(text)])
            start = None
        else:
            text.append(ch)
    if start is not None:
        return None
    return "".join(text), spans


def bracket_balanced(sentences):
    """Re-join sentences that a 。 inside 「」 split apart."""
    out, buf = [], ""
    for s in sentences:
        buf += s
        if buf.count("「") <= buf.count("」"):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def build_spans(cn):
    rows, seen = [], set()
    for key, para in cn.items():
        held = stable_bucket(f"lo:{key[0]}#{key[1]}") < HELDOUT_LO
        for s in bracket_balanced(split_sentences(para, max_chars=10000)):
            if "「" not in s or s in seen or not has_enough_cjk(s) or len(s) > 120:
                continue
            seen.add(s)
            parsed = bracket_spans(s)
            if parsed is None or not parsed[1]:
                continue
            text, spans = parsed
            # A 「」 pair longer than a UI label or covering most of the sentence is a
            # quotation or a markup slip, not a UI term.
            if any(b - a > MAX_SPAN_CHARS or b - a > 0.6 * len(text) for a, b in spans):
                continue
            rows.append({"text": text, "spans": [[a, b, "ui_term"] for a, b in spans],
                         "heldout": held})
    return rows


def write_paragraphs(path, paragraphs):
    with open(path, "w", encoding="utf-8") as f:
        for sentences in paragraphs:
            f.write("\n".join(sentences) + "\n\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    ensure_packages()
    dist = ensure_poetry()

    print("reading LibreOffice help", flush=True)
    cn = libreoffice_pages("zh-CN")
    tw_raw = libreoffice_pages("zh-TW")
    tw_keys = list(tw_raw)
    tw = dict(zip(tw_keys, opencc_convert([tw_raw[k] for k in tw_keys], "tw2sp")))

    modern = ModernCollector()
    for key, text in cn.items():
        modern.add("libreoffice-zh-cn", f"lo:{key[0]}#{key[1]}", text, HELDOUT_LO)
    for key, text in tw.items():
        modern.add("libreoffice-zh-tw", f"lo:{key[0]}#{key[1]}", text, HELDOUT_LO)
    for source, key, text in html_docs():
        modern.add(source, key, text, HELDOUT_OTHER)
    for key, text in fortune_quotes():
        modern.add("fortunes-zh", key, text, HELDOUT_OTHER)
    for key, text in man_pages():
        if stable_bucket(key + ":keep") < MAN_KEEP:
            modern.add("manpages-zh", key, text, HELDOUT_OTHER, min_ratio=0.5)

    modern_tokens = sum(approx_tokens(s) for p in modern.train for s in p)
    poetry_target = int(modern_tokens * POETRY_SHARE / (1 - POETRY_SHARE))

    print("reading poetry", flush=True)
    poems = [p for p in json_poems(dist) if p] + [p for p in fortune_poems() if p]
    random.Random(args.seed).shuffle(poems)
    # Convert a generous prefix only: the whole collection is ~20 M characters.
    prefix, total = [], 0
    for p in poems:
        prefix.append(p)
        total += sum(approx_tokens(l) for l in p)
        if total > poetry_target * 1.6:
            break
    flat = [l for p in prefix for l in p]
    converted = iter(opencc_convert(flat, "t2s"))
    poetry_train, poetry_held, seen_poems, poetry_tokens = [], [], set(), 0
    for p in prefix:
        lines = [normalize_space(next(converted)) for _ in p]
        lines = [s for l in lines for s in split_sentences(l) if cjk_count(s) >= 2]
        text = "".join(lines)
        if not lines or text in seen_poems:
            continue
        seen_poems.add(text)
        if stable_bucket("poem:" + text) < HELDOUT_OTHER:
            poetry_held.append(lines)
            continue
        if poetry_tokens >= poetry_target:
            continue
        poetry_train.append(lines)
        poetry_tokens += sum(approx_tokens(l) for l in lines)

    train_paragraphs = modern.train + poetry_train
    random.Random(args.seed + 1).shuffle(train_paragraphs)
    write_paragraphs(os.path.join(WORK, "train.txt"), train_paragraphs)
    with open(os.path.join(WORK, "heldout.txt"), "w", encoding="utf-8") as f:
        for p in modern.heldout:
            f.write("".join(s + "\n" for s in p))
    with open(os.path.join(WORK, "heldout_poetry.txt"), "w", encoding="utf-8") as f:
        for p in poetry_held[:600]:
            f.write("".join(s + "\n" for s in p))

    pairs_train, pairs_held, identical, near = build_pairs(cn, tw)
    for name, rows in (("pairs_train.tsv", pairs_train), ("pairs_heldout.tsv", pairs_held)):
        with open(os.path.join(WORK, name), "w", encoding="utf-8") as f:
            f.write("".join("\t".join(r) + "\n" for r in rows))
    spans = build_spans(cn)
    with open(os.path.join(WORK, "spans.jsonl"), "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in spans))

    print("source               paragraphs  cjk_chars  heldout_paragraphs")
    for source, (n, chars, held) in sorted(modern.stats.items()):
        print(f"{source:20s} {n:10d} {chars:10d} {held:10d}")
    total_tokens = modern_tokens + poetry_tokens
    print(f"modern train tokens ~{modern_tokens}, poetry train tokens ~{poetry_tokens} "
          f"({100 * poetry_tokens / max(1, total_tokens):.1f}%), poems {len(poetry_train)}")
    print(f"heldout modern sentences {sum(len(p) for p in modern.heldout)}, "
          f"poetry heldout poems {min(600, len(poetry_held))}")
    print(f"pairs: train {len(pairs_train)}, heldout {len(pairs_held)}, "
          f"dropped identical {identical}, near-identical {near}")
    n_spans = sum(len(r["spans"]) for r in spans)
    print(f"spans: {len(spans)} sentences, {n_spans} spans, "
          f"heldout sentences {sum(r['heldout'] for r in spans)}")


if __name__ == "__main__":
    main()
