/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the project's KUnit modules that run in the test VMs.
 */
#ifndef P2P_KUNIT_H
#define P2P_KUNIT_H

#include <kunit/test.h>
#include <linux/module.h>

/*
 * p2p_kunit_param_suites() - run suites from module_init, not on load.
 *
 * kunit_test_suites() runs a module's suites from the MODULE_STATE_COMING
 * notifier, which the module loader calls before it parses the module's
 * parameters. Our VM suites are told by the plan what the emulated machine
 * promises (CMB size, IOMMU mode, expected distances) through parameters,
 * so they must run after parsing: from module_init.
 */
#define p2p_kunit_param_suites(...)					\
	static struct kunit_suite *p2p_kunit_suites[] = { __VA_ARGS__ };	\
	static int __init p2p_kunit_init(void)				\
	{								\
		return __kunit_test_suites_init(p2p_kunit_suites,	\
						ARRAY_SIZE(p2p_kunit_suites)); \
	}								\
	module_init(p2p_kunit_init);					\
	static void __exit p2p_kunit_exit(void)				\
	{								\
		__kunit_test_suites_exit(p2p_kunit_suites,		\
					 ARRAY_SIZE(p2p_kunit_suites));	\
	}								\
	module_exit(p2p_kunit_exit)

/* iommu_mode.c: the module's "iommu" parameter, set by the plan. */
const char *p2p_iommu_mode(void);
bool p2p_iommu_translates(void);

#endif /* P2P_KUNIT_H */
