/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between syscalls.bpf.c and the C# source (Sources/Syscalls/SyscallsSchema.cs mirrors every
 * struct; layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_SYSCALLS_H
#define SYSTEMSCOPE_SYSCALLS_H

/* log2 ns buckets: [0,1), [1,2), [2,4) … [2^38, ∞) ns (the last one from ~4.6 minutes). */
#define SYSCALL_LATENCY_BUCKETS 40
#define SYSCALL_SLOW_FRAMES 127 /* user frames kept with a slow call */

/* Key of the calls_N maps: one process (or one thread, with per_thread) and one syscall. 16 bytes. */
struct syscall_key {
	__u32 tgid;
	__u32 tid; /* 0 unless per_thread */
	__u32 nr;
	__u32 _pad;
};

/* Value of the calls_N maps. 352 bytes. count stays 0: the calls are the sum of the buckets. */
struct syscall_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 max_ns;
	__u64 buckets[SYSCALL_LATENCY_BUCKETS];
};

/* Key of the errors_N maps: failed calls by errno. Value: __u64 count. 16 bytes. */
struct syscall_error_key {
	__u32 tgid;
	__u32 nr;
	__u32 err; /* errno (positive) */
	__u32 _pad;
};

/* What the thread is in, kept in its task storage from sys_enter to sys_exit. 24 bytes. */
struct syscall_inflight {
	__u64 start_ns; /* 0: not in a syscall entered while attached */
	__u64 arg0;
	__u32 nr;
	__u32 _pad;
};

/* Record of the slow ring buffer: one call that lasted at least slow_ns, with the user stack it was
 * made from. 1072 bytes. */
struct syscall_slow {
	__u64 start_ns;
	__u64 duration_ns;
	__u64 arg0;
	__s64 ret;
	__u32 tgid;
	__u32 tid;
	__u32 nr;
	__u32 user_len; /* frames in user_stack */
	char comm[16];
	__u64 user_stack[SYSCALL_SLOW_FRAMES];
};

enum syscall_counter {
	SYSCALL_CTR_SLOW = 0,           /* calls streamed to the timeline (calls measured: the source's "collected") */
	SYSCALL_CTR_SLOW_CAPPED,        /* slow calls not streamed: over the per-second cap */
	SYSCALL_CTR_UNMATCHED_EXITS,    /* exits of calls entered before the source attached */
	SYSCALL_CTR_LOST_CALLS_FULL,    /* calls map full: call not counted */
	SYSCALL_CTR_LOST_ERRORS_FULL,   /* errors map full: errno of a failed call not counted */
	SYSCALL_CTR_LOST_NO_STORAGE,    /* no per-task storage for a thread: its calls are not measured */
	SYSCALL_CTR_MAX,
};

#endif
