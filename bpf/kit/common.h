/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every kit header needs: kernel types, libbpf's helpers, and a few constants vmlinux.h lacks. */
#ifndef SS_KIT_COMMON_H
#define SS_KIT_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kit/abi.h"

/* errno values (vmlinux.h has no uapi macros). */
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17

/* task_struct->flags: set at the start of do_exit(), before the exit tracepoint. */
#define PF_EXITING 0x00000004

/* Keeps the compiler from moving memory accesses across it (x86 keeps loads in order itself). */
#define ss_barrier() asm volatile("" ::: "memory")
#define SS_READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

/*
 * Puts a struct or enum into the object's BTF. clang only emits types reachable from globals and
 * function signatures: a record that is only ever written through a ring buffer pointer, or an
 * enum only used for its values, would be missing, and user space could not check its layout or
 * read its names. An unused function taking the type keeps it; libbpf never loads it.
 */
#define SS_BTF_STRUCT(name) \
	__attribute__((used)) static int ss__btf_struct_##name(struct name *unused) { return 0; }
#define SS_BTF_ENUM(name) \
	__attribute__((used)) static int ss__btf_enum_##name(enum name unused) { return 0; }

#endif
