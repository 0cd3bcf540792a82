"""Bytes -> text: byte-order marks, UTF-16 without BOM, binary detection, legacy code pages.

Pure: no I/O. The result is NFC-normalised with line breaks unified to ``\\n``; all offsets in
onrecord refer to that text.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

from ..errors import DecodeError

__all__ = ["Decoded", "decode_bytes", "normalise_text"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that do not occur in text: everything below 0x20 except tab, LF, FF and CR.
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D))
_SNIFF = 8192


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    had_bom: bool = False


def normalise_text(text: str) -> str:
    """NFC, ``\\r\\n``/``\\r`` -> ``\\n``, no NUL characters. The stored form of every document."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def _plausible_share(text: str) -> float:
    """Share of characters from alphabetic scripts up to Arabic, general punctuation, or whitespace."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ord(ch) < 0x0600 or 0x2000 <= ord(ch) <= 0x206F)
    return good / len(text)


def _utf16_without_bom(sample: bytes) -> str | None:
    """Recognise BOM-less UTF-16: the NUL pattern of Latin text, else the decoding that reads as
    text in a Latin, Cyrillic, Greek, Armenian, Hebrew or Arabic script (CJK needs ``--encoding``)."""
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    best, best_share = None, 0.0
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = sample[: len(sample) // 2 * 2].decode(name)
        except UnicodeDecodeError:
            continue  # a split surrogate pair at the cut is possible but rare; the other may fit
        share = _plausible_share(text)
        if share > best_share:
            best, best_share = name, share
    return best if best_share >= 0.95 else None


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(2, len(sample) // 100)


def _decode_with(data: bytes, encoding: str, path: str | None, offset: int = 0) -> str:
    """Decode strictly; ``offset`` (a BOM's length) makes error positions count from the file's start."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"bytes {exc.start + offset}-{exc.end + offset} are not valid {encoding} ({exc.reason})", path
        ) from None
    except LookupError:
        raise DecodeError(f"unknown encoding {encoding!r}", path) from None
    if "\x00" in text:
        raise DecodeError(f"binary content (NUL characters after decoding as {encoding}), not text", path)
    return text


def decode_bytes(data: bytes, path: str | None = None, encoding: str | None = None) -> Decoded:
    """Decode ``data`` to normalised text, or raise :class:`DecodeError` saying why not.

    Order: an explicit ``encoding``; a byte-order mark; UTF-16 recognised by its NUL pattern;
    binary content refused; strict UTF-8; otherwise a legacy code page chosen by charset-normalizer.
    A file that is UTF-8 except for a few broken sequences is refused, not guessed: guessing a code
    page there would silently turn every non-ASCII character into mojibake.
    """
    if encoding:
        return Decoded(normalise_text(_decode_with(data, encoding, path)), encoding.lower())
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = _decode_with(data[len(bom):], name, path, offset=len(bom))
            return Decoded(normalise_text(text), name, had_bom=True)
    sample = data[:_SNIFF]
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return Decoded(normalise_text(_decode_with(data, utf16, path)), utf16)
    if _looks_binary(sample):
        raise DecodeError("binary content (NUL or control bytes), not text", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        if "\x00" in text:  # past the sniffed head
            raise DecodeError("binary content (NUL characters after decoding as utf-8), not text", path)
        return Decoded(normalise_text(text), "utf-8")
    if _mostly_utf8(data[: 1 << 20]):
        raise DecodeError(
            f"invalid UTF-8 at byte {first_bad} in otherwise UTF-8 text "
            "(give --encoding to force a code page)",
            path,
        )
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is None or best.encoding is None:
        raise DecodeError(f"undecodable bytes: invalid UTF-8 at byte {first_bad} and no known code page fits", path)
    if best.chaos > 0.3:
        raise DecodeError(
            f"undecodable bytes: best guess {best.encoding} still reads as gibberish "
            f"(chaos {best.chaos:.2f})",
            path,
        )
    text = _decode_with(data, best.encoding, path)
    if _looks_binary(text[:_SNIFF].encode("utf-8", "surrogatepass")):
        raise DecodeError(f"binary content (decodes as {best.encoding} but full of control characters)", path)
    return Decoded(normalise_text(text), best.encoding)


def _mostly_utf8(data: bytes) -> bool:
    """True if ``data`` reads as UTF-8 with some broken sequences: at least as many well-formed
    multi-byte characters as broken ones. (Text in a legacy code page almost never forms valid
    multi-byte sequences: its high bytes rarely pair with 0x80-0xBF continuation bytes.)"""
    decoded = data.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for ch in decoded if ord(ch) > 0x7F) - bad
    return good > 0 and good >= bad
