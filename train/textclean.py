"""Text extraction and cleaning helpers shared by the corpus builder.

Everything here is pure (str in, str out) except `opencc_convert`, which shells out to
the Debian `opencc` command once per batch of lines.
"""
import hashlib
import html
import re
import subprocess
import tempfile
from html.parser import HTMLParser

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A rough token count close to what the BERT tokenizer produces on this text:
# one token per CJK character, one (or a few) per ASCII word, one per other symbol.
APPROX_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+|\S")
# Sentence ends: the terminal mark plus any closing quotes or brackets right after it.
SENTENCE_END_RE = re.compile(r"([。！？；!?]+[”’」』）)\]]*)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
SPACE_RE = re.compile(r"\s+")


def cjk_count(text):
    return len(CJK_RE.findall(text))


def approx_tokens(text):
    return len(APPROX_TOKEN_RE.findall(text))


def has_enough_cjk(text, min_chars=4, min_ratio=0.3):
    """True when text has at least `min_chars` CJK characters making up at least
    `min_ratio` of its non-space characters (drops code, option lists, URLs)."""
    n = cjk_count(text)
    visible = len(text) - text.count(" ")
    return n >= min_chars and visible > 0 and n / visible >= min_ratio


def normalize_space(text):
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = SPACE_RE.sub(" ", text).strip()
    # Spaces between two CJK characters are line-wrap artefacts, not word breaks.
    return re.sub(r"(?<=[\u3400-\u9fff，。、；：！？」「『』（）“”]) (?=[\u3400-\u9fff，。、；：！？」「『』（）“”])", "", text)


def split_sentences(text, max_chars=120):
    """Split a paragraph after 。！？；!? (keeping closing quotes with the sentence).
    Pieces longer than `max_chars` are split again after ，, then cut hard."""
    parts = SENTENCE_END_RE.split(text)
    sentences = []
    for i in range(0, len(parts), 2):
        piece = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
        piece = piece.strip()
        if piece:
            sentences.append(piece)
    out = []
    for s in sentences:
        if len(s) <= max_chars:
            out.append(s)
            continue
        buf = ""
        for chunk in re.split(r"(?<=[，,])", s):
            if buf and len(buf) + len(chunk) > max_chars:
                out.append(buf)
                buf = ""
            buf += chunk
            while len(buf) > max_chars:
                out.append(buf[:max_chars])
                buf = buf[max_chars:]
        if buf:
            out.append(buf)
    return out


def stable_bucket(key, buckets=10000):
    """A platform-independent hash bucket in [0, buckets) for the held-out split."""
    digest = hashlib.md5(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") % buckets


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "param", "source", "track", "wbr"}
BLOCK_TAGS = {"p", "div", "li", "dd", "dt", "td", "th", "tr", "table", "ul", "ol", "dl",
              "h1", "h2", "h3", "h4", "h5", "h6", "title", "blockquote", "section",
              "caption", "figcaption", "br", "body", "article"}
SKIP_TAGS = {"script", "style", "pre", "noscript", "nav", "header", "aside", "head",
             "button", "label", "svg", "math"}
# LibreOffice help classes that hold code, link-rot markers or widget chrome.
SKIP_CLASSES = {"bascode", "code", "bug", "debug", "howtogetheader", "noteicon",
                "screen", "programlisting", "synopsis", "literallayout", "cmdsynopsis"}


class BlockTextParser(HTMLParser):
    """Collects the text of each block-level element as (block_id, text).

    block_id is the `id` attribute of the innermost enclosing block element (the
    LibreOffice help uses it as a stable paragraph id shared across languages).
    Text inside code blocks, scripts, hidden per-OS variants and page chrome is dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # entries: [tag, skip, block_id]
        self.buf = []
        self.blocks = []

    def _current(self):
        skip = any(e[1] for e in self.stack)
        block_id = next((e[2] for e in reversed(self.stack) if e[2]), "")
        return skip, block_id

    def _flush(self):
        text = "".join(self.buf)
        self.buf = []
        _, block_id = self._current()
        text = normalize_space(text)
        if text:
            self.blocks.append((block_id, text))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in BLOCK_TAGS:
            self._flush()
        if tag in VOID_TAGS:
            return
        classes = set((a.get("class") or "").split())
        hidden_variant = "hidden" in a and not (a.get("id") or "").startswith("default")
        skip = tag in SKIP_TAGS or bool(classes & SKIP_CLASSES) or hidden_variant
        block_id = (a.get("id") or "") if tag in BLOCK_TAGS else ""
        self.stack.append([tag, skip, block_id])

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            if tag == "br":
                self._flush()
            return
        if not any(e[0] == tag for e in self.stack):
            return
        if tag in BLOCK_TAGS:
            self._flush()
        while self.stack:
            e = self.stack.pop()
            if e[0] == tag:
                break
        if tag in BLOCK_TAGS:
            self.buf = []

    def handle_data(self, data):
        skip, _ = self._current()
        if not skip:
            self.buf.append(data)

    def close(self):
        super().close()
        self._flush()


def html_blocks(markup):
    parser = BlockTextParser()
    parser.feed(markup)
    parser.close()
    return parser.blocks


ROFF_ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),  # font changes
    (re.compile(r"\\s[+-]?\d"), ""),  # size changes
    (re.compile(r"\\\((em|en)"), "—"),
    (re.compile(r"\\\(lq|\\\(rq"), "\""),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), ""),
    (re.compile(r"\\[-]"), "-"),
    (re.compile(r"\\[&/,|^0 ]|\\c"), ""),
    (re.compile(r"\\e"), "\\\\"),
    (re.compile(r"\\\*.(\[[^\]]*\])?"), ""),
    (re.compile(r"\\."), ""),
]
ROFF_BREAKS = {".PP", ".P", ".LP", ".SH", ".SS", ".TP", ".IP", ".HP", ".TH", ".RS", ".RE",
               ".sp", ".br", ".nf", ".fi", ".TQ", ".EX", ".EE"}


def roff_paragraphs(source):
    """Running text of a man page, one string per paragraph. Request lines are dropped
    and, after .TP/.TQ, the tag line (an option synopsis) is dropped too, because option
    syntax is what a small model learns to babble when man pages dominate."""
    paragraphs, buf = [], []
    skip_next = False
    in_nofill = False
    for line in source.splitlines():
        if line.startswith((".", "'")):
            req = line.split()[0] if line.split() else ""
            if req in ROFF_BREAKS:
                if buf:
                    paragraphs.append(" ".join(buf))
                    buf = []
                skip_next = req in (".TP", ".TQ")
                if req in (".nf", ".EX"):
                    in_nofill = True
                elif req in (".fi", ".EE"):
                    in_nofill = False
            if req in (".B", ".I", ".BR", ".IR", ".RB", ".RI") and not skip_next:
                buf.append(line[len(req):].strip().strip('"'))
            elif req in (".B", ".I", ".BR", ".IR", ".RB", ".RI"):
                skip_next = False
            continue
        if skip_next:
            skip_next = False
            continue
        if in_nofill:
            continue
        text = line
        for pattern, repl in ROFF_ESCAPES:
            text = pattern.sub(repl, text)
        buf.append(text.strip())
    if buf:
        paragraphs.append(" ".join(buf))
    return [normalize_space(p) for p in paragraphs if p.strip()]


def opencc_convert(lines, config):
    """Convert lines with the opencc CLI (e.g. config 't2s', 'tw2sp'); keeps line count."""
    if not lines:
        return []
    clean = [l.replace("\n", " ").replace("\r", " ") for l in lines]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(clean) + "\n")
        src = f.name
    out = src + ".out"
    subprocess.run(["opencc", "-c", f"{config}.json", "-i", src, "-o", out], check=True)
    with open(out, encoding="utf-8") as f:
        result = f.read().split("\n")
    result = result[: len(clean)]
    if len(result) != len(clean):
        raise RuntimeError(f"opencc returned {len(result)} lines for {len(clean)}")
    return result


def unescape(text):
    return html.unescape(text)
