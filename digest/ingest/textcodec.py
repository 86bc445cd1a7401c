"""Text decoding and normalisation for importers: bytes -> str, and tidy whitespace/entities.

decode_bytes() never raises: UTF-8 (with or without BOM) first, then the other BOMs, then a
charset-normalizer guess, with a bias towards cp1252 for Western text, because short cp1252
files (smart quotes, accented names) are the common case and are where a pure statistical
guess most often picks a wrong Latin code page.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

from charset_normalizer import from_bytes

__all__ = ["decode_bytes", "normalize_text"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Single-byte code pages for Latin-script languages: when charset-normalizer picks one of these
# and the bytes also read as plausible cp1252, cp1252 wins (it is far more common in practice).
_LATIN_SINGLE_BYTE = re.compile(
    r"^(ascii|latin_1|iso8859_(1|2|3|4|9|10|13|14|15|16)|cp12(50|52|54|57|58)|cp437|cp775|cp85[0-8]"
    r"|cp860|cp86[1-5]|mac_(roman|latin2|iceland|turkish|croatian|romanian|centeuro))$"
)

# Non-letter characters above ASCII that are normal in Western prose.
_WESTERN_PUNCT = set("“”‘’‚„–—…•€£¥¢©®™°±×÷«»‹›¡¿§¶·\u00a0½¼¾†‡ˆ˜")


def _cp1252_lenient(data: bytes) -> str:
    """cp1252, with the five bytes it leaves undefined read as Latin-1 instead of failing."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
            for b in data
        )


def _plausible_western(text: str) -> bool:
    """True when text looks like a Latin-script language rather than mis-decoded bytes."""
    letters = 0
    non_ascii_letters = 0
    for ch in text:
        if ch.isascii():
            letters += ch.isalpha()
            continue
        if unicodedata.category(ch).startswith("L"):
            letters += 1
            non_ascii_letters += 1
        elif ch not in _WESTERN_PUNCT:
            return False
    if non_ascii_letters == 0:
        return True
    # Western prose has accented letters sprinkled among ASCII ones; Cyrillic or Greek bytes
    # read as cp1252 turn into words made only of accented letters.
    return non_ascii_letters / max(letters, 1) <= 0.4


def decode_bytes(data: bytes) -> str:
    """Decode raw bytes of unknown encoding to str; never raises.

    Order: BOM (UTF-8/16/32) -> strict UTF-8 -> cp1252 when the text reads as Western prose
    and charset-normalizer counts a Latin code page among its candidates -> charset-normalizer's
    best guess -> cp1252 (lenient) as the last resort.
    """
    if not data:
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass

    as_cp1252 = _cp1252_lenient(data)
    western = _plausible_western(as_cp1252)
    try:
        matches = from_bytes(data)
        best = matches.best()
    except Exception:  # charset-normalizer should not raise, but decoding must never crash
        return as_cp1252
    if best is None:
        return as_cp1252
    # On short texts charset-normalizer's ranking among single-byte code pages is close to a
    # coin toss; if the bytes read as Western prose in cp1252 and any Latin code page is a
    # candidate at all, cp1252 is the far likelier truth.
    if western and any(_LATIN_SINGLE_BYTE.match(m.encoding) for m in matches):
        return as_cp1252
    return str(best)


_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b\ufeff\u00ad]")  # zero-width space, stray BOM, soft hyphen
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(s: str) -> str:
    """Tidy text for Markdown bodies.

    HTML entities are unescaped; NBSP, thin/figure/ideographic and other odd spaces become a plain
    space; zero-width spaces, stray BOMs and soft hyphens are removed; CRLF and CR become LF;
    line separators (U+2028/2029) become LF; trailing spaces on each line are stripped; runs of
    blank lines collapse to a single blank line; leading/trailing blank lines are dropped.
    Smart quotes, dashes and other punctuation are kept exactly as written.
    """
    s = html.unescape(s)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    s = _ZERO_WIDTH.sub("", s)
    s = _ODD_SPACES.sub(" ", s)
    s = "\n".join(line.rstrip(" ") for line in s.split("\n"))
    s = _BLANK_RUNS.sub("\n\n", s)
    return s.strip("\n")
