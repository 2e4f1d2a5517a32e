/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stack capture, in one place for every source: a better unwinder here upgrades all of them.
 *
 *   SS_STACK_MAP(stacks, 8192);                    // hash -> struct ss_stack
 *   struct ss_stacks *st = ss_capture_stacks(ctx);  // user and kernel stacks of current, hashed
 *   key.user_stack = st->user_hash;                 // 0: no stack of that kind here
 *   ss_store_stack(&stacks, st->user_hash, &st->user);
 *
 * Stacks are kept in a hash map keyed by a 64-bit hash of their frames rather than in
 * BPF_MAP_TYPE_STACK_TRACE, whose buckets are indexed by a truncated hash: a colliding stack
 * silently replaces or drops the older one at the sizes we need.
 *
 * Stacks maps allocate their elements as they fill (a preallocated one would hold megabytes while
 * mostly empty), from the kernel's BPF allocator, which keeps only a few elements of this size
 * (~1 KiB) ready per CPU and refills them asynchronously: a burst of new stacks — the start of a
 * session on a busy machine — can find none (-ENOMEM). Such a stack goes to ss_stack_reserve, a small
 * preallocated map that user space reads and empties (KitSchema.StackReserve).
 */
#ifndef SS_KIT_STACKS_H
#define SS_KIT_STACKS_H

#include "kit/common.h"
#include "kit/counters.h"

/* Frames captured per stack (1..SS_MAX_STACK_DEPTH). User space sets it before load. */
const volatile __u32 ss_max_stack_depth = SS_MAX_STACK_DEPTH;

struct ss_stacks {
	struct ss_stack user;
	struct ss_stack kernel;
	__u64 user_hash;   /* 0: no user stack (a kernel thread) */
	__u64 kernel_hash; /* 0: no kernel stack (a sample taken in user mode) */
};

/* 2 KiB of stacks do not fit on the 512-byte BPF stack: capture into a per-CPU buffer. One per
 * object: two programs of one object that can interrupt each other on a CPU must not both capture. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ss_stacks);
} ss_stack_scratch SEC(".maps");

#define SS_STACK_RESERVE_ENTRIES 256

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SS_STACK_RESERVE_ENTRIES);
	__type(key, __u64);
	__type(value, struct ss_stack);
} ss_stack_reserve SEC(".maps");

/* A hash map of stacks by hash. Entries take memory only when present. */
#define SS_STACK_MAP(name, entries)                      \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_HASH);         \
		__uint(map_flags, BPF_F_NO_PREALLOC);    \
		__uint(max_entries, entries);            \
		__type(key, __u64);                      \
		__type(value, struct ss_stack);          \
	} name SEC(".maps")

/* 64-bit hash of a stack (a murmur3-style mix per frame). 0 is reserved for "no stack". */
static __always_inline __u64 ss__hash_stack(const struct ss_stack *stack, __u32 len)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ len;
	__u32 i;

	/* A constant bound the verifier can prove; len is checked inside. */
	for (i = 0; i < SS_MAX_STACK_DEPTH; i++) {
		__u64 k;

		if (i >= len)
			break;
		k = stack->ips[i] * 0x87c37b91114253d5ULL;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937fULL;
		h ^= k;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

/* Kernel frames a tracepoint program sees of itself before the traced function: the program and
 * bpf_trace_run<N>. A perf_event program starts at the interrupted code: nothing to skip. */
#define SS_TRACEPOINT_SKIP 2

static __always_inline __u64 ss__capture(void *ctx, struct ss_stack *stack, __u64 flags, __u32 error_counter)
{
	__u32 depth = ss_max_stack_depth;
	long bytes;
	__u32 len;

	if (depth == 0 || depth > SS_MAX_STACK_DEPTH)
		depth = SS_MAX_STACK_DEPTH;
	bytes = bpf_get_stack(ctx, stack->ips, depth * sizeof(__u64), flags);
	if (bytes <= 0) {
		/* -EFAULT: no stack of this kind here (a kernel stack for a sample taken in user mode,
		 * a user stack for a kernel thread). That is normal, not an error. */
		if (bytes < 0 && bytes != -EFAULT)
			ss_kit_count(error_counter);
		stack->len = 0;
		return 0;
	}
	len = bytes / sizeof(__u64);
	if (len > SS_MAX_STACK_DEPTH)
		len = SS_MAX_STACK_DEPTH;
	stack->len = len;
	return ss__hash_stack(stack, len);
}

/* Captures the current task's user and kernel stacks into this CPU's scratch buffer, leaving out the
 * innermost kernel_skip kernel frames (SS_TRACEPOINT_SKIP from a tracepoint program). */
static __always_inline struct ss_stacks *ss_capture_stacks_skip(void *ctx, __u32 kernel_skip)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);

	if (!st)
		return NULL;
	st->user_hash = ss__capture(ctx, &st->user, BPF_F_USER_STACK, SS_CTR_STACK_USER_ERRORS);
	st->kernel_hash = ss__capture(ctx, &st->kernel, kernel_skip & BPF_F_SKIP_FIELD_MASK, SS_CTR_STACK_KERNEL_ERRORS);
	return st;
}

/* Captures the current task's stacks as they are (perf_event programs). */
static __always_inline struct ss_stacks *ss_capture_stacks(void *ctx)
{
	return ss_capture_stacks_skip(ctx, 0);
}

/* Stores a stack under its hash unless it is there (in the reserve when the map cannot allocate);
 * 0 on success, or the map's error (-E2BIG when full, -ENOMEM when the reserve is full too). A hash
 * of 0 ("no stack") stores nothing. */
static __always_inline long ss_store_stack(void *stacks, __u64 hash, const struct ss_stack *stack)
{
	long err;

	if (!hash || bpf_map_lookup_elem(stacks, &hash))
		return 0;
	err = bpf_map_update_elem(stacks, &hash, stack, BPF_NOEXIST);
	if (err == -EEXIST)
		return 0;
	/* BPF_ANY: user space may be emptying the reserve right now; the content under a hash is the same. */
	if (err == -ENOMEM && !bpf_map_update_elem(&ss_stack_reserve, &hash, stack, BPF_ANY)) {
		ss_kit_count(SS_CTR_STACKS_RESERVED);
		return 0;
	}
	return err;
}

#endif
