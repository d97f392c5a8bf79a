"""The data pattern of this project's tests, as lib/p2ptest/p2ptest_pattern.h
states it: word i (from 0) of the pattern of a seed is splitmix64's output
function of seed + i * golden gamma, stored little-endian."""

import struct

MASK = (1 << 64) - 1


def pattern_word(seed, i):
    """Word i of the pattern of seed."""
    z = (seed + i * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def pattern_bytes(seed, length):
    """The first length bytes of the pattern of seed."""
    words = (length + 7) // 8
    return struct.pack(f"<{words}Q", *(pattern_word(seed, i) for i in range(words)))[:length]
