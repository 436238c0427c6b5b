"""Identifiers in the shapes the real systems use: Salesforce 18-character ids, UUIDs, hex ids."""

from __future__ import annotations

import numpy as np

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SPREAD = 7919  # coprime with 62**6: sequential numbers map to varied-looking, unique ids


def base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    return "".join(reversed(chars))


def sf_checksum(body: str) -> str:
    """The 3-character suffix that makes a 15-character Salesforce id case-insensitive."""
    suffix = []
    for chunk in range(3):
        bits = sum(1 << i for i, c in enumerate(body[chunk * 5 : chunk * 5 + 5]) if "A" <= c <= "Z")
        suffix.append(_SF_SUFFIX[bits])
    return "".join(suffix)


def sf_id(prefix: str, number: int) -> str:
    """An 18-character Salesforce id with key prefix ``prefix`` (``005`` User, ``006`` Opportunity)."""
    body = f"{prefix}5g0000{base62((number * _SPREAD + 1_234_567) % 62**6, 6)}"
    return body + sf_checksum(body)


def uuid4s(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` random (version 4) UUIDs drawn from ``rng``."""
    if count == 0:
        return []
    raw = np.frombuffer(rng.bytes(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    out = []
    for i in range(0, 32 * count, 32):
        h = text[i : i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def hex_ids(rng: np.random.Generator, count: int, width: int = 24) -> list[str]:
    """Lower-case hex ids (content platforms use 24-character object ids)."""
    if count == 0:
        return []
    text = rng.bytes(count * width // 2).hex()
    return [text[i : i + width] for i in range(0, count * width, width)]


def okta_ids(rng: np.random.Generator, prefix: str, count: int) -> list[str]:
    """Okta object ids: a 3-character type prefix and 17 base-62 characters (``00u...``)."""
    digits = rng.integers(0, 62, size=(count, 17))
    return [prefix + "".join(BASE62[d] for d in row) for row in digits]
