/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between sched.bpf.c and the C# source (Sources/Sched/SchedSchema.cs mirrors every struct;
 * layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_SCHED_H
#define SYSTEMSCOPE_SCHED_H

/* log2 µs buckets: [0,1), [1,2), [2,4) … the last one open-ended. */
#define SCHED_LATENCY_BUCKETS 27

/* Which threads a run-queue latency histogram covers. */
enum sched_latency_group {
	SCHED_GROUP_ALL = 0,
	SCHED_GROUP_PROCESS = 1, /* id: tgid */
	SCHED_GROUP_CGROUP = 2,  /* id: cgroup v2 id */
};

/* Key of the latency_N maps. 16 bytes. */
struct sched_latency_key {
	__u32 group;   /* enum sched_latency_group */
	__u32 _pad;
	__u64 id;
};

/* Value of the latency_N maps: a log2 histogram of run-queue latency. 240 bytes. */
struct sched_latency {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 buckets[SCHED_LATENCY_BUCKETS];
};

/* Value of the threads_N maps (key: tid): one thread's switches in a window. 48 bytes. */
struct sched_thread {
	__u32 tgid;
	__u32 _pad;
	__u64 voluntary;
	__u64 involuntary;
	__u64 migrations;
	char comm[16];
};

/* Per CPU (array indexed by CPU): the run queue's length integrated over time, cumulative. 32 bytes. */
struct sched_runq {
	__u64 last_ns;   /* when last_len was set */
	__u64 area;      /* sum of length × ns (threads waiting besides the running one) */
	__u32 last_len;
	__u32 max_len;   /* since user space last reset it */
	__u64 _reserved;
};

enum sched_rec_kind {
	SCHED_REC_SWITCH = 1,
	SCHED_REC_WAKEUP = 2,
};

/* Record of the timeline ring buffer: a switch (prev → next on cpu) or a wakeup (waker = the
 * current thread, of wakee). A side outside the session's filter has tid 0. 72 bytes. */
struct sched_record {
	__u64 timestamp_ns;
	__u32 kind;        /* enum sched_rec_kind */
	__u32 cpu;         /* SWITCH: the CPU; WAKEUP: the CPU the wakee will run on */
	__u32 prev_tgid;   /* SWITCH: prev; WAKEUP: the waker */
	__u32 prev_tid;
	__u32 next_tgid;   /* SWITCH: next; WAKEUP: the wakee */
	__u32 next_tid;
	__u32 prev_state;  /* SWITCH: 1 runnable (preempted), 2 sleeping (S), 3 blocked (D), 4 other */
	__u32 _pad;
	char prev_comm[16];
	char next_comm[16];
};

enum sched_counter {
	SCHED_CTR_SWITCHES_SEEN = 0,   /* sched_switch runs */
	SCHED_CTR_LATENCIES,           /* run-queue waits measured */
	SCHED_CTR_RECORDS_CAPPED,      /* switches and wakeups not streamed: over the per-second cap */
	SCHED_CTR_LOST_LATENCY_FULL,   /* latency map full: a wait lost */
	SCHED_CTR_LOST_THREADS_FULL,   /* threads map full: a switch not counted */
	SCHED_CTR_LOST_NO_STORAGE,     /* no per-task storage for a thread: its wait is not measured */
	SCHED_CTR_MAX,
};

#endif
