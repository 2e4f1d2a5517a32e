/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between memory.bpf.c and the C# source (Sources/Memory/MemorySchema.cs mirrors every
 * struct; layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_MEMORY_H
#define SYSTEMSCOPE_MEMORY_H

/* User frames a streamed record carries (the flame graph has the full stacks). */
#define MEM_SPAN_FRAMES 32

/* Key of the faults_N maps: one thread with one pair of stacks and one kind of fault. 32 bytes. */
struct mem_fault_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;   /* hash; 0: none */
	__u64 kernel_stack; /* hash; 0: none (a fault taken in user mode) */
	__u32 major;        /* 1: major fault (I/O was needed), 0: minor */
	__u32 _pad;
};

/* What a streamed record is. */
enum mem_rec_kind {
	MEM_REC_MAJOR_FAULT = 1,
	MEM_REC_DIRECT_RECLAIM = 2,
	MEM_REC_MEMCG_RECLAIM = 3,
	MEM_REC_COMPACTION = 4,
};

/* Record of the events ring: a major fault (instant) or a stall (reclaim, compaction) of a thread,
 * for the timeline. 320 bytes. */
struct mem_record {
	__u64 timestamp_ns;  /* start (CLOCK_MONOTONIC) */
	__u64 duration_ns;   /* 0 for a fault */
	__u32 kind;          /* enum mem_rec_kind */
	__u32 tgid;
	__u32 tid;
	__u32 user_len;      /* valid entries of user_ips */
	__u64 address;       /* fault: the faulting address; reclaim: pages reclaimed; compaction: its status */
	__u64 order;         /* reclaim: allocation order; compaction: 0 */
	char comm[16];       /* the thread's name */
	__u64 user_ips[MEM_SPAN_FRAMES]; /* leaf first */
};

/* Record of the oom ring: the OOM killer chose a victim (oom:mark_victim). 104 bytes. */
struct mem_oom {
	__u64 timestamp_ns;
	__u32 victim_tgid;
	__u32 trigger_tgid;    /* the task whose allocation ran out (current at mark_victim) */
	__u64 total_vm_pages;
	__u64 anon_rss_pages;
	__u64 file_rss_pages;
	__u64 shmem_rss_pages;
	__u64 memcg_id;        /* the victim's memory cgroup (kernfs id of its directory); 0: unknown */
	__u64 limit_memcg_id;  /* the nearest memory cgroup at or above it with a limit; 0: none */
	__u64 limit_pages;     /* that limit (memory.max / memory.limit_in_bytes) */
	__u64 limit_usage_pages; /* that cgroup's usage at the kill */
	__s32 oom_score_adj;
	__u32 uid;
	char comm[16];         /* the victim's name */
};

/* Cumulative stall totals (per-CPU array indexed by enum mem_stall_kind). 16 bytes. */
struct mem_stall_total {
	__u64 count;
	__u64 total_ns;
};

enum mem_stall_kind {
	MEM_STALL_DIRECT_RECLAIM = 0,
	MEM_STALL_MEMCG_RECLAIM = 1,
	MEM_STALL_COMPACTION = 2,
	MEM_STALL_MAX = 3,
};

enum mem_counter {
	MEM_CTR_FAULTS_SEEN = 0,     /* fault programs run (every fault on the machine) */
	MEM_CTR_FAULTS_ACCEPTED,     /* passed the filter */
	MEM_CTR_FAULTS_RECORDED,     /* added to a faults map */
	MEM_CTR_LOST_FAULTS_FULL,    /* faults map full: a fault not counted */
	MEM_CTR_LOST_STACKS_FULL,    /* stacks map full: a fault not counted */
	MEM_CTR_LOST_OTHER,          /* any other failure to count a fault */
	MEM_CTR_RECORDS_CAPPED,      /* major faults and stalls not streamed: over the per-second cap */
	MEM_CTR_STALLS,              /* reclaim and compaction stalls measured */
	MEM_CTR_LOST_STALL_STARTS,   /* stall starts that could not be kept (table full): its end is not measured */
	MEM_CTR_OOM_KILLS,           /* OOM victims seen */
	MEM_CTR_MAX,
};

#endif
