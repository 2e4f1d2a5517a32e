/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stack capture, in one place for every source: a better unwinder here upgrades all of them.
 *
 *   SS_STACK_MAP(stacks, 8192);                    // hash -> struct ss_stack
 *   struct ss_stacks *st = ss_capture_stacks(ctx);  // user and kernel stacks of current, hashed
 *                                                   // (or ss_capture_user_stack / ss_capture_kernel_stack)
 *   key.user_stack = st->user_hash;                 // 0: no stack of that kind here
 *   ss_store_stack(&stacks, st->user_hash, &st->user);
 *
 * Stacks are kept in a hash map keyed by a 64-bit hash of their frames rather than in
 * BPF_MAP_TYPE_STACK_TRACE, whose buckets are indexed by a truncated hash: a colliding stack
 * silently replaces or drops the older one at the sizes we need.
 *
 * Stacks maps allocate their elements as they fill (a preallocated one would hold megabytes while
 * mostly empty), from the kernel's BPF allocator, which keeps only a few elements of this size
 * (~2 KiB) ready per CPU and refills them asynchronously: a burst of new stacks — the start of a
 * session on a busy machine — can find none (-ENOMEM). Such a stack goes to ss_stack_reserve, a small
 * preallocated map that user space reads and empties (KitSchema.StackReserve).
 */
#ifndef SS_KIT_STACKS_H
#define SS_KIT_STACKS_H

#include "kit/common.h"
#include "kit/counters.h"
#include "kit/unwind.h"

/* Frames captured per stack (1..SS_MAX_STACK_DEPTH). User space sets it before load. */
const volatile __u32 ss_max_stack_depth = SS_MAX_STACK_DEPTH;

struct ss_stacks {
	struct ss_stack user;
	struct ss_stack kernel;
	__u64 user_hash;   /* 0: no user stack (a kernel thread) */
	__u64 kernel_hash; /* 0: no kernel stack (a sample taken in user mode) */
	struct ss_unwind_walk walk;
	__u64 hashing;        /* the hash being computed (ss__hash_stack) */
	__u32 hashing_kernel; /* of the kernel stack, else the user stack */
	__u32 _pad;
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

/*
 * 64-bit hash of a stack (a murmur3-style mix per frame). 0 is reserved for "no stack". The frames
 * are mixed in a bpf_loop over this CPU's scratch: a loop of 240 steps written out would be
 * verified step by step at every place a program captures stacks, which took seconds to load.
 */
static long ss__hash_step(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);
	const struct ss_stack *stack;
	__u64 k, h, frame = i;

	/* One 64-bit register for the check and the access: clang would otherwise index with a copy
	 * zero-extended after the check, which the verifier cannot bound. */
	asm volatile("" : "+r"(frame));
	if (!st || frame >= SS_MAX_STACK_DEPTH)
		return 1;
	stack = st->hashing_kernel ? &st->kernel : &st->user;
	k = stack->ips[frame] * 0x87c37b91114253d5ULL;
	k = (k << 31) | (k >> 33);
	k *= 0x4cf5ad432745937fULL;
	h = st->hashing ^ k;
	st->hashing = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
	return 0;
}

/* The hash of st's user (kernel = false) or kernel stack, of len frames. */
static __always_inline __u64 ss__hash_stack(struct ss_stacks *st, bool kernel, __u32 len)
{
	__u64 h;

	if (len > SS_MAX_STACK_DEPTH)
		len = SS_MAX_STACK_DEPTH;
	st->hashing = 0x9e3779b97f4a7c15ULL ^ len;
	st->hashing_kernel = kernel;
	bpf_loop(len, ss__hash_step, NULL, 0);
	h = st->hashing;
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

static __always_inline __u64 ss__capture(void *ctx, struct ss_stacks *st, bool kernel, __u64 flags, __u32 error_counter)
{
	struct ss_stack *stack = kernel ? &st->kernel : &st->user;
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
	return ss__hash_stack(st, kernel, len);
}

/* One frame of the walk in this CPU's scratch (a bpf_loop callback). */
static long ss__unwind_step(__u32 index, void *unused)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);

	if (!st)
		return 1;
	return ss__unwind_frame(&st->user, &st->walk);
}

/* The user stack with unwind tables (kit/unwind.h) where the process has them, else the kernel's
 * frame-pointer walk. The walk starts from the registers user mode left at kernel entry, so it
 * works the same from a perf event, a tracepoint or a probe. */
static __always_inline __u64 ss__capture_user(void *ctx, struct ss_stacks *st)
{
	struct task_struct *task;
	struct pt_regs *regs;
	struct ss_unwind_walk *w = &st->walk;
	__u32 depth = ss_max_stack_depth, tgid;
	__u64 cs;

	if (ss_unwind_mode != SS_UNWIND_MODE_TABLES)
		return ss__capture(ctx, st, false, BPF_F_USER_STACK, SS_CTR_STACK_USER_ERRORS);

	task = bpf_get_current_task_btf();
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	cs = BPF_CORE_READ(regs, cs);
	if ((cs & 3) != 3) {
		/* A kernel thread: its entry registers are not user mode. */
		st->user.len = 0;
		return 0;
	}
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&ss_unwind_processes, &tgid)) {
		/* Not loaded yet: ask for it and walk frame pointers meanwhile. */
		ss__unwind_request(tgid);
		ss_kit_count(SS_CTR_STACK_USER_NO_TABLES);
		return ss__capture(ctx, st, false, BPF_F_USER_STACK, SS_CTR_STACK_USER_ERRORS);
	}

	if (depth == 0 || depth > SS_MAX_STACK_DEPTH)
		depth = SS_MAX_STACK_DEPTH;
	w->pc = BPF_CORE_READ(regs, ip);
	w->sp = BPF_CORE_READ(regs, sp);
	w->bp = BPF_CORE_READ(regs, bp);
	w->tgid = tgid;
	w->max = depth;
	w->return_address = 0;
	w->outcome = SS_WALK_RUNNING;
	w->used_tables = 0;
	st->user.len = 0;
	bpf_loop(SS_MAX_STACK_DEPTH + 1, ss__unwind_step, NULL, 0);

	if (w->used_tables)
		ss_kit_count(SS_CTR_STACK_USER_UNWOUND);
	if (w->outcome == SS_WALK_TRUNCATED)
		ss_kit_count(SS_CTR_STACK_USER_TRUNCATED);
	else if (w->outcome == SS_WALK_BROKEN)
		ss_kit_count(SS_CTR_STACK_USER_BROKEN);
	if (st->user.len == 0)
		return 0;
	return ss__hash_stack(st, false, st->user.len);
}

/* Captures the current task's user and kernel stacks into this CPU's scratch buffer, leaving out the
 * innermost kernel_skip kernel frames (SS_TRACEPOINT_SKIP from a tracepoint program). */
static __always_inline struct ss_stacks *ss_capture_stacks_skip(void *ctx, __u32 kernel_skip)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);

	if (!st)
		return NULL;
	st->user_hash = ss__capture_user(ctx, st);
	st->kernel_hash = ss__capture(ctx, st, true, kernel_skip & BPF_F_SKIP_FIELD_MASK, SS_CTR_STACK_KERNEL_ERRORS);
	return st;
}

/* Captures the current task's kernel stack only (st->kernel, st->kernel_hash), leaving out kernel_skip frames. */
static __always_inline struct ss_stacks *ss_capture_kernel_stack(void *ctx, __u32 kernel_skip)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);

	if (!st)
		return NULL;
	st->user_hash = 0;
	st->user.len = 0;
	st->kernel_hash = ss__capture(ctx, st, true, kernel_skip & BPF_F_SKIP_FIELD_MASK, SS_CTR_STACK_KERNEL_ERRORS);
	return st;
}

/* Captures the current task's user stack only, into this CPU's scratch buffer (st->user, st->user_hash). */
static __always_inline struct ss_stacks *ss_capture_user_stack(void *ctx)
{
	__u32 zero = 0;
	struct ss_stacks *st = bpf_map_lookup_elem(&ss_stack_scratch, &zero);

	if (!st)
		return NULL;
	st->user_hash = ss__capture_user(ctx, st);
	st->kernel_hash = 0;
	st->kernel.len = 0;
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
