# Shared settings for the project's scripts. Sourced, not run.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${P2P_BUILD:-$ROOT/build}
KTARBALL=${P2P_KTARBALL:-/usr/src/linux-source-6.1.tar.xz}
KSRC=$BUILD/linux-src
CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths under the build folder are hashed relative to it (the kernel's
# objects are compiled from build/kernel-FLAVOUR with sources in
# build/linux-src), and the working directory is not hashed (the kernels
# carry no debug info): a build in any clone, at any path, reuses the cache
# another clone filled.
CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
export CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR
# Directories of the repo that are overlaid onto the kernel tree at the
# same paths. They only ever add files; changes to 6.1's own files are
# the numbered patches in patches/.
OVERLAY_DIRS="block drivers/pci/p2pdma drivers/dma-buf kernel/dma include/linux drivers/iommu Documentation/PCI Documentation/driver-api"

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# kout FLAVOUR: the out-of-tree build folder of a kernel flavour.
kout() { printf '%s/kernel-%s\n' "$BUILD" "$1"; }

# cpus to build with: one more job than cores, as measured best here.
jobs() { echo $(($(nproc) + 1)); }
