#!/usr/bin/env bash
# Prints the kernel's syscall numbers for one architecture as "NUMBER NAME" lines, from the kernel's
# own user-space ABI headers (linux-libc-dev): nothing is kept by hand. The C preprocessor resolves
# each __NR_ name (arm64's table is the generic one, with its __ARCH_WANT_ choices); __NR_syscalls
# (the count) and __NR_arch_specific_syscall (the base of a range) are not syscalls.
#
#   tools/syscall-table.sh x86_64|arm64 [CPP]
set -euo pipefail
arch=$1
cpp=${2:-clang}
case $arch in
  x86_64) header='#include <asm/unistd_64.h>' ;;
  arm64)  header='#define __BITS_PER_LONG 64
#define __ARCH_WANT_RENAMEAT
#define __ARCH_WANT_NEW_STAT
#define __ARCH_WANT_SET_GET_RLIMIT
#define __ARCH_WANT_TIME32_SYSCALLS
#define __ARCH_WANT_MEMFD_SECRET
#include <asm-generic/unistd.h>' ;;
  *) echo "syscall-table.sh: no table for architecture $arch (x86_64, arm64)" >&2; exit 2 ;;
esac
names=$(printf '%s\n' "$header" | "$cpp" -E -dM -x c - | sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | sort -u)
# Each name next to its macro; the preprocessor turns the macro into the number.
{ printf '%s\n' "$header"; for n in $names; do echo "$n __NR_$n"; done; } \
  | "$cpp" -E -P -x c - \
  | awk 'NF == 2 && $2 ~ /^\(?[0-9]+\)?$/ && $1 != "syscalls" && $1 != "arch_specific_syscall" { gsub(/[()]/, "", $2); print $2, $1 }' \
  | sort -n -k1,1 -u
