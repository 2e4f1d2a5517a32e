/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between offcpu.bpf.c and the C# source (Sources/OffCpu/OffCpuSchema.cs mirrors every
 * struct; layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_OFFCPU_H
#define SYSTEMSCOPE_OFFCPU_H

/* What a thread was doing when it left the CPU, as the kernel's __task_state_index decodes it. */
enum offcpu_state {
	OFFCPU_RUNNABLE = 1, /* preempted: still runnable */
	OFFCPU_SLEEPING = 2, /* S: interruptible sleep */
	OFFCPU_BLOCKED = 3,  /* D: uninterruptible, usually I/O */
	OFFCPU_OTHER = 4,    /* stopped, traced, dead, idle kernel waits */
};

/* Key of the counts_N maps: one thread, blocked in one state at one pair of stacks, woken by one
 * thread at its pair of stacks. Hashes of 0 mean "no stack"; a waker tid of 0, "not seen". 56 bytes. */
struct offcpu_key {
	__u32 tgid;
	__u32 tid;
	__u32 state;          /* enum offcpu_state */
	__u32 waker_tgid;
	__u64 user_stack;
	__u64 kernel_stack;
	__u64 waker_user_stack;
	__u64 waker_kernel_stack;
	__u32 waker_tid;
	__u32 _pad;
};

/* Value of the counts_N maps. 40 bytes. */
struct offcpu_value {
	__u64 blocked_ns;  /* switch-out → wakeup */
	__u64 runnable_ns; /* wakeup → switch-in */
	__u64 count;       /* blocks */
	char waker_comm[16];
};

/* Record of the spans ring buffer: one block that lasted at least span_min_ns, for the timeline. 96 bytes. */
struct offcpu_span {
	__u64 start_ns;    /* switch-out */
	__u64 blocked_ns;
	__u64 runnable_ns;
	__u32 tgid;
	__u32 tid;
	__u32 state;       /* enum offcpu_state */
	__u32 waker_tgid;
	__u32 waker_tid;
	__u32 _pad;
	__u64 user_stack;  /* hashes into the stacks map */
	__u64 kernel_stack;
	__u64 waker_user_stack;
	__u64 waker_kernel_stack;
	char waker_comm[16];
};

enum offcpu_counter {
	OFFCPU_CTR_SWITCHES_SEEN = 0,    /* sched_switch runs */
	OFFCPU_CTR_BLOCKS_STARTED,       /* observed threads that left the CPU in a traced state */
	OFFCPU_CTR_BLOCKS_RECORDED,      /* blocks added to a counts map */
	OFFCPU_CTR_BLOCKS_SHORT,         /* blocks shorter than min_block_ns: not recorded */
	OFFCPU_CTR_WAKEUPS_SEEN,         /* wakeups of a blocked observed thread */
	OFFCPU_CTR_SPANS,                /* blocks streamed to the timeline */
	OFFCPU_CTR_SPANS_CAPPED,         /* long blocks not streamed: over the per-second cap */
	OFFCPU_CTR_LOST_COUNTS_FULL,     /* counts map full: block lost */
	OFFCPU_CTR_LOST_STACKS_FULL,     /* stacks map full: block lost */
	OFFCPU_CTR_LOST_NO_STORAGE,      /* no per-task storage for a thread: its block is not measured */
	OFFCPU_CTR_STACKS_REUSED,        /* blocks at the place of the thread's last walk: its stacks reused, no walk */
	OFFCPU_CTR_STACKS_REUSE_CHECKED, /* walks at the end of a run of reuses, checking them */
	OFFCPU_CTR_STACKS_REUSE_DIFFERED,/* ...that found other stacks at the same place */
	OFFCPU_CTR_MAX,
};

#endif
