# The p2ptest client library (lib/p2ptest), for the Makefiles of the
# programs that use it. After "include .../lib/p2ptest/p2ptest.mk", with O
# set: link $(P2PTEST_LIB), compile with $(P2PTEST_INC) and depend on
# $(P2PTEST_HDRS). The library is built into $(O)/libp2ptest with its own
# flags, whatever the program's. Including this file leaves the default
# goal as it was.
# <linux/p2ptest.h> is the test module's uAPI header, in tests/p2ptest/uapi
# (not among the kernel's). <linux/vfio.h> must have VFIO's dma-buf export
# (mainline 6.19), which Debian's 6.1 uAPI headers lack: KHDR names the
# project kernel's installed uAPI headers, by default those scripts/kbuild
# installs for the debug kernel (build/kernel-debug/usr/include, or under
# $P2P_BUILD).
P2PTEST_GOAL := $(.DEFAULT_GOAL)
P2PTEST_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
P2P_BUILD ?= $(abspath $(P2PTEST_DIR)/../../build)
KHDR ?= $(P2P_BUILD)/kernel-debug/usr/include
ifeq ($(wildcard $(KHDR)/linux/vfio.h),)
$(error no uAPI headers in $(KHDR): run scripts/kbuild debug first, or name them with KHDR=)
endif
P2PTEST_OUT := $(O)/libp2ptest
P2PTEST_LIB := $(P2PTEST_OUT)/libp2ptest.a
P2PTEST_UAPI := $(P2PTEST_DIR)/../../tests/p2ptest/uapi
P2PTEST_INC := -I$(P2PTEST_DIR) -I$(P2PTEST_UAPI) -I$(KHDR)
P2PTEST_HDRS := $(wildcard $(P2PTEST_DIR)/*.h) $(P2PTEST_UAPI)/linux/p2ptest.h
P2PTEST_CFLAGS = -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(P2PTEST_INC)

$(P2PTEST_LIB): $(addprefix $(P2PTEST_OUT)/,pci.o ioctl.o kernel.o p2pmem.o block.o contract.o \
	vfio.o)
	$(AR) rcs $@ $^

$(P2PTEST_OUT)/%.o: $(P2PTEST_DIR)/%.c $(P2PTEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(P2PTEST_CFLAGS) -c -o $@ $<

.DEFAULT_GOAL := $(P2PTEST_GOAL)
