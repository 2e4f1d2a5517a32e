/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between cpu_profile.bpf.c and the C# source (Sources/Cpu/CpuProfileSchema.cs mirrors the
 * struct; the layout is checked against the object's BTF at load, the counter names are read from
 * it).
 */
#ifndef SYSTEMSCOPE_CPU_PROFILE_H
#define SYSTEMSCOPE_CPU_PROFILE_H

/* Key of the counts_N maps: one thread with one pair of stacks. A stack hash of 0 means "no
 * stack" (a kernel stack is absent for samples taken in user mode, a user stack for kernel
 * threads). 24 bytes. */
struct cpu_count_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;
	__u64 kernel_stack;
};

/* Every sample that passes the filter ends in exactly one of RECORDED or LOST_*, so user space can
 * check accepted == recorded + lost. */
enum cpu_counter {
	CPU_CTR_SAMPLES_TAKEN = 0,  /* program runs (every sample taken) */
	CPU_CTR_SAMPLES_SKIPPED,    /* idle, agent or outside the filter */
	CPU_CTR_SAMPLES_ACCEPTED,   /* passed the filter */
	CPU_CTR_SAMPLES_RECORDED,   /* added to a counts map */
	CPU_CTR_LOST_COUNTS_FULL,   /* counts map full: sample lost */
	CPU_CTR_LOST_STACKS_FULL,   /* stacks map full: sample lost */
	CPU_CTR_LOST_OTHER,         /* any other failure to record: sample lost */
	CPU_CTR_TICKS,              /* samples streamed one by one for the thread timeline */
	CPU_CTR_TICKS_CAPPED,       /* samples not streamed: over the per-second cap */
	CPU_CTR_MAX,
};

/* Record of the ticks ring buffer: one sample, for the thread timeline. Its stacks are in the stacks
 * map of the slot it was counted in. 40 bytes. */
struct cpu_tick {
	__u64 timestamp_ns;
	__u32 tgid;
	__u32 tid;
	__u32 cpu;
	__u32 slot;
	__u64 user_stack;
	__u64 kernel_stack;
};

#endif
