/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between cpu_profile.bpf.c and the C# source (Sources/Cpu/CpuProfileAbi.cs mirrors every
 * struct with explicit offsets). Change both together; sizes are asserted on both sides.
 */
#ifndef SYSTEMSCOPE_CPU_PROFILE_H
#define SYSTEMSCOPE_CPU_PROFILE_H

/* The kernel's perf callchain limit (sysctl kernel.perf_event_max_stack defaults to 127). */
#define CPU_MAX_STACK_DEPTH 127
#define CPU_COMM_LEN 16

/* Runtime configuration: one entry in the `run_config` array map, rewritten by user space while the
 * programs run (retarget, slot flips) so nothing has to be reloaded. 24 bytes. */
struct cpu_config {
	__u32 filter_enabled; /* 1: only tgids present in target_tgids */
	__u32 agent_tgid;     /* the profiler's own process */
	__u32 include_agent;  /* 1: sample the agent too */
	__u32 include_idle;   /* 1: keep samples of the idle task (pid 0) */
	__u32 active_slot;    /* 0 or 1: which counts_N/stacks_N pair the programs write */
	__u32 _pad;
};

/* Key of the counts_N maps: one thread with one pair of stacks. A stack hash of 0 means "no
 * stack" (a kernel stack is absent for samples taken in user mode, a user stack for kernel
 * threads). 24 bytes. */
struct cpu_count_key {
	__u32 tgid;
	__u32 tid;
	__u64 user_stack;
	__u64 kernel_stack;
};

/* Value of the stacks_N maps and the per-CPU scratch buffer: frames leaf first. 1024 bytes. */
struct cpu_stack {
	__u32 len; /* number of valid entries in ips */
	__u32 _pad;
	__u64 ips[CPU_MAX_STACK_DEPTH];
};

enum cpu_proc_kind {
	CPU_PROC_SEEN = 0,
	CPU_PROC_EXEC = 1,
	CPU_PROC_EXIT = 2,
};

/* Ring buffer record for process lifecycle changes. 40 bytes. */
struct cpu_proc_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 kind;         /* enum cpu_proc_kind */
	__u32 tgid;
	__u32 tid;
	__u32 _pad;
	char comm[CPU_COMM_LEN]; /* group leader's name (new name for EXEC) */
};

/* Indices of the per-CPU `counters` array. Every sample that passes the filter ends in exactly
 * one of RECORDED or LOST_*, so user space can check accepted == recorded + lost. */
enum cpu_counter {
	CPU_CTR_SAMPLES = 0,          /* program runs (every sample taken) */
	CPU_CTR_SKIPPED,              /* idle, agent or outside the target filter */
	CPU_CTR_ACCEPTED,             /* passed the filter */
	CPU_CTR_RECORDED,             /* added to a counts map */
	CPU_CTR_LOST_COUNTS_FULL,     /* counts map full: sample lost */
	CPU_CTR_LOST_STACKS_FULL,     /* stacks map full: sample lost */
	CPU_CTR_LOST_OTHER,           /* any other failure to record: sample lost */
	CPU_CTR_USER_STACK_ERRORS,    /* bpf_get_stack(user) failed: recorded without user stack */
	CPU_CTR_KERNEL_STACK_ERRORS,  /* bpf_get_stack(kernel) failed other than -EFAULT */
	CPU_CTR_EVENTS,               /* lifecycle records submitted */
	CPU_CTR_EVENTS_LOST,          /* lifecycle records dropped: ring buffer full */
	CPU_CTR_MAX,
};

#endif
