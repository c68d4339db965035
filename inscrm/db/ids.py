"""Global row identities: UUID version 7 (time-ordered, so inserts stay in index order)."""

import os
import time
import uuid


def uuid7():
    """A new UUIDv7 as a string: 48 bits of Unix milliseconds, then random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 64 & 0xFFF) << 64
    value |= 0b10 << 62  # RFC 9562 variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=value))


_uid_counter = [0]


def uids(n):
    """n UUIDv7 strings, increasing: this millisecond, then a counter in the random bits.

    The layout of `uuid7` (RFC 9562, method 1: a 42-bit counter), made in bulk.
    """
    ms = time.time_ns() // 1_000_000
    noise = os.urandom(4 * n).hex()
    head = f"{ms >> 16 & 0xFFFFFFFF:08x}-{ms & 0xFFFF:04x}-7"
    first = _uid_counter[0]
    _uid_counter[0] += n
    out = []
    for block in range(first >> 16, (first + n - 1 >> 16) + 1):  # 65,536 uids share a prefix
        prefix = f"{head}{block >> 14 & 0xFFF:03x}-{0x8000 | block & 0x3FFF:04x}-"
        low, high = max(first, block << 16), min(first + n, block + 1 << 16)
        out += [f"{prefix}{i & 0xFFFF:04x}{noise[8 * (i - first):8 * (i - first) + 8]}"
                for i in range(low, high)]
    return out
