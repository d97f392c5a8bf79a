// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The export errnos of tests/p2ptest/uapi/linux/p2ptest.h as a table: one bad
 * argument per row, applied to an otherwise good export of one page, and
 * the errno the kernel must answer. IGT's export-invalid subtests,
 * p2ptest_errno and the fuzzer all take their cases from here.
 */
#include <errno.h>

#include "p2ptest_client.h"

const struct p2ptest_bad_export p2ptest_bad_exports[] = {
	{ "zero-length", EINVAL, P2PTEST_BAD_LENGTH, 0 },
	{ "unaligned-offset", EINVAL, P2PTEST_BAD_OFFSET, 100 },
	{ "unaligned-length", EINVAL, P2PTEST_BAD_LENGTH, 100 },
	{ "offset-overflow", EOVERFLOW, P2PTEST_BAD_TWO_PAGES_AT, ~4095ULL },
	{ "past-the-bar", ERANGE, P2PTEST_BAD_TWO_PAGES_AT_END, 0 },
	{ "no-ranges", EINVAL, P2PTEST_BAD_NR_RANGES, 0 },
	{ "too-many-ranges", E2BIG, P2PTEST_BAD_NR_RANGES, P2PTEST_MAX_RANGES + 1 },
	{ "bar-index", EINVAL, P2PTEST_BAD_BAR, P2PTEST_NR_BARS },
	{ "absent-bar", ENXIO, P2PTEST_BAD_ABSENT_BAR, 0 },
	{ "unknown-flag", EINVAL, P2PTEST_BAD_FLAGS, 1 },
	{ "reserved-field", EINVAL, P2PTEST_BAD_RESERVED, 1 },
	{ "address-reserved", ENODEV, P2PTEST_BAD_ADDR_RESERVED, 1 },
	{ "no-device", ENODEV, P2PTEST_BAD_NO_DEVICE, 0 },
	{ "bad-pointer", EFAULT, P2PTEST_BAD_RANGES_POINTER, 16 },
};

const size_t p2ptest_nr_bad_exports = sizeof(p2ptest_bad_exports) /
				      sizeof(p2ptest_bad_exports[0]);

int p2ptest_bad_export_prepare(const struct p2ptest_bad_export *b,
			       const struct p2ptest_export_target *t,
			       struct p2ptest_export *e,
			       struct p2ptest_range r[P2PTEST_MAX_RANGES + 1])
{
	int i;

	if (b->what == P2PTEST_BAD_ABSENT_BAR && t->absent_bar < 0)
		return -ENOENT;
	for (i = 0; i <= P2PTEST_MAX_RANGES; i++)
		r[i] = (struct p2ptest_range){ .offset = 0, .length = 4096 };
	*e = (struct p2ptest_export){
		.provider = t->provider, .bar = t->bar, .nr_ranges = 1,
		.ranges = (uint64_t)(uintptr_t)r,
	};
	switch (b->what) {
	case P2PTEST_BAD_OFFSET:
		r[0].offset = b->value;
		break;
	case P2PTEST_BAD_LENGTH:
		r[0].length = b->value;
		break;
	case P2PTEST_BAD_TWO_PAGES_AT:
		r[0] = (struct p2ptest_range){ .offset = b->value, .length = 8192 };
		break;
	case P2PTEST_BAD_TWO_PAGES_AT_END:
		r[0] = (struct p2ptest_range){ .offset = t->bar_size - 4096, .length = 8192 };
		break;
	case P2PTEST_BAD_NR_RANGES:
		e->nr_ranges = (uint32_t)b->value;
		break;
	case P2PTEST_BAD_BAR:
		e->bar = (uint32_t)b->value;
		break;
	case P2PTEST_BAD_ABSENT_BAR:
		e->bar = (uint32_t)t->absent_bar;
		break;
	case P2PTEST_BAD_FLAGS:
		e->flags = (uint32_t)b->value;
		break;
	case P2PTEST_BAD_RESERVED:
		e->reserved = (uint32_t)b->value;
		break;
	case P2PTEST_BAD_ADDR_RESERVED:
		e->provider.reserved = (uint16_t)b->value;
		break;
	case P2PTEST_BAD_NO_DEVICE:
		e->provider = P2PTEST_PCI_ADDR(0, 0x7f, 0x1f, 7);
		break;
	case P2PTEST_BAD_RANGES_POINTER:
		e->ranges = b->value;
		break;
	}
	return 0;
}
