// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU mode the plan booted the VM with: the "iommu" parameter of
 * every test module that links this file, for the suites whose
 * expectations depend on it.
 */
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "p2p_kunit.h"

static char *iommu = "off";
module_param(iommu, charp, 0444);
MODULE_PARM_DESC(iommu, "IOMMU mode the VM was booted with: off, strict, lazy or pt");

/**
 * p2p_iommu_mode() - the IOMMU mode the VM was booted with
 *
 * Return: "off", "strict", "lazy" or "pt", as the plan passed it.
 */
const char *p2p_iommu_mode(void)
{
	return iommu;
}

/**
 * p2p_iommu_translates() - whether devices' DMA goes through IOMMU page tables
 *
 * Return: true in "strict" and "lazy" mode (a DMA domain), false in "off"
 * and "pt" (DMA addresses are physical addresses).
 */
bool p2p_iommu_translates(void)
{
	return !strcmp(iommu, "strict") || !strcmp(iommu, "lazy");
}
