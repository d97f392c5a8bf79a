/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The data pattern every test of this project writes and checks, and the
 * seeded generator its randomised tests draw from: both splitmix64.
 *
 * The pattern of a seed is a sequence of 64-bit words: word i (from 0) is
 * p2ptest_pattern_word(seed, i), stored little-endian, so byte j of a
 * buffer is byte j % 8 of word j / 8. tests/vm/pattern.py computes the same
 * words in Python (the namespace images QEMU's NVMe controllers start
 * with, and what the host tests expect p2ptest to write).
 *
 * One header for user space (lib/p2ptest's programs) and for the kernel
 * test modules (scripts/kbuild copies it next to them): hence the __u64 of
 * <linux/types.h>, which both have.
 */
#ifndef P2PTEST_PATTERN_H
#define P2PTEST_PATTERN_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <stddef.h>
#include <string.h>
#endif

#define P2PTEST_GOLDEN_GAMMA	0x9e3779b97f4a7c15ULL

/* splitmix64's output function. */
static inline __u64 p2ptest_mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Word @i of the pattern of @seed. */
static inline __u64 p2ptest_pattern_word(__u64 seed, __u64 i)
{
	return p2ptest_mix64(seed + i * P2PTEST_GOLDEN_GAMMA);
}

/* Byte @j of the pattern of @seed. */
static inline __u8 p2ptest_pattern_byte(__u64 seed, __u64 j)
{
	return (__u8)(p2ptest_pattern_word(seed, j / 8) >> (j % 8 * 8));
}

/* Fill @len bytes at @buf with the pattern of @seed (a last partial word cut). */
static inline void p2ptest_pattern_fill(void *buf, size_t len, __u64 seed)
{
	__u8 *p = buf;
	size_t j;

	for (j = 0; j < len; j += 8) {
		__u64 w = p2ptest_pattern_word(seed, j / 8);
		__u8 le[8];
		int k;

		for (k = 0; k < 8; k++)
			le[k] = (__u8)(w >> (k * 8));
		memcpy(p + j, le, len - j < 8 ? len - j : 8);
	}
}

/* The next number of the generator whose state is *@state. */
static inline __u64 p2ptest_rand_next(__u64 *state)
{
	*state += P2PTEST_GOLDEN_GAMMA;
	return p2ptest_mix64(*state);
}

#endif /* P2PTEST_PATTERN_H */
