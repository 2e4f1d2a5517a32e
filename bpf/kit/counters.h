/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Named counters: a per-CPU array indexed by a C enum. User space takes the counter names from the
 * enum in the object's BTF (CPU_CTR_LOST_COUNTS_FULL -> "lost.counts_full": the part after _CTR_,
 * lower case, its first '_' a '.'), so names exist once, here in C. Names starting with "lost."
 * count things lost and are shown as warnings.
 *
 *   enum cpu_counter { CPU_CTR_SAMPLES_TAKEN, ..., CPU_CTR_MAX };
 *   SS_COUNTERS(cpu_counter, CPU_CTR_MAX);   // map cpu_counters, one slot per enumerator
 *   ss_count(&cpu_counters, CPU_CTR_SAMPLES_TAKEN);
 */
#ifndef SS_KIT_COUNTERS_H
#define SS_KIT_COUNTERS_H

#include "kit/common.h"

/* Defines the map <name>s (the enum's name plus "s") with one 64-bit slot per CPU per enumerator. */
#define SS_COUNTERS(name, max)                               \
	SS_BTF_ENUM(name)                                    \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);     \
		__uint(max_entries, max);                    \
		__type(key, __u32);                          \
		__type(value, __u64);                        \
	} name##s SEC(".maps")

/* What the kit's own helpers count, in every object that includes the kit. */
enum ss_kit_counter {
	SS_CTR_RECORDS,             /* ring buffer records submitted */
	SS_CTR_LOST_RECORDS,        /* ring buffer records dropped: the ring was full */
	SS_CTR_PROCESSES_ANNOUNCED, /* processes this object announced as seen */
	SS_CTR_FILTER_BUSY,         /* events rejected while user space was rewriting the filter */
	SS_CTR_STACK_USER_ERRORS,   /* user stacks that could not be walked (kept without) */
	SS_CTR_STACK_KERNEL_ERRORS, /* kernel stacks that could not be walked, other than "none here" */
	SS_CTR_STACKS_RESERVED,     /* stacks kept in the preallocated reserve: the stacks map could not allocate */
	SS_CTR_STACK_USER_UNWOUND,   /* user stacks walked with unwind tables (kit/unwind.h) */
	SS_CTR_STACK_USER_NO_TABLES, /* user stacks walked by frame pointers: the process's tables were not loaded yet */
	SS_CTR_STACK_USER_TRUNCATED, /* user stacks cut at the depth limit */
	SS_CTR_STACK_USER_BROKEN,    /* user stacks that ended at something that is not a frame */
	SS_CTR_KIT_MAX,
};

SS_COUNTERS(ss_kit_counter, SS_CTR_KIT_MAX);

static __always_inline void ss_count(void *counters, __u32 index)
{
	__u64 *value = bpf_map_lookup_elem(counters, &index);

	/* Atomic although per-CPU: a sample (a hard interrupt) can interrupt a tracepoint program on
	 * the same CPU while it increments the same counter. */
	if (value)
		__sync_fetch_and_add(value, 1);
}

#define ss_kit_count(index) ss_count(&ss_kit_counters, index)

#endif
