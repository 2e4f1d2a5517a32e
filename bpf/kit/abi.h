/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Layouts the kit shares with user space. Each is mirrored in src/SystemScope.Sources/Kit/KitAbi.cs
 * and checked against the object's BTF when an object loads (struct name, size, member offsets),
 * so a change on one side only fails loudly at start instead of decoding garbage.
 */
#ifndef SS_KIT_ABI_H
#define SS_KIT_ABI_H

#define SS_COMM_LEN 16
/* Frames per stack. The kernel's own walker stops at kernel.perf_event_max_stack (127 by default);
 * the unwinder (kit/unwind.h) goes this deep. 240 keeps a stored stack with the hash map's element
 * header within a 2 KiB allocation, as 127 frames already took. */
#ifndef SS_MAX_STACK_DEPTH
#define SS_MAX_STACK_DEPTH 240
#endif

/* Bits of ss_filter_config.flags: which parts of the session's filter are set. A task must match
 * every part that is set; none set means every task (but the agent, unless include_agent). */
enum ss_filter_flag {
	SS_FILTER_PIDS = 1,
	SS_FILTER_CGROUP = 2,
	SS_FILTER_COMM = 4,
};

/* The session's filter: the one entry of the ss_filter array map, shared by every object of a
 * session. User space rewrites it through a memory mapping while programs run, as a sequence lock:
 * seq is odd while it writes, so a program that sees an odd or changed seq rejects the event
 * instead of mixing old and new settings. 56 bytes. */
struct ss_filter_config {
	__u32 seq;
	__u32 flags;          /* enum ss_filter_flag */
	__u32 agent_tgid;     /* the profiler's own process */
	__u32 include_agent;  /* 1: observe the agent too */
	__u64 cgroup_id;      /* cgroup v2 id (kernfs node id = inode of its directory) */
	__u32 cgroup_level;   /* its depth below the root (the root is 0) */
	__u32 pid_generation; /* a tgid is in the set when its ss_filter_tgids value has bit (1 << generation) */
	__u32 comm_len;       /* 1..15: bytes of comm compared */
	__u32 _pad;
	char comm[SS_COMM_LEN]; /* prefix of the group leader's name, zero padded */
};

/* What a process lifecycle record says. Same order as ProcessChange in C#. */
enum ss_proc_kind {
	SS_PROC_SEEN = 0,      /* first time a source recorded the process in this session */
	SS_PROC_FORK,          /* a new process (tgid), forked by parent_tgid */
	SS_PROC_EXEC,          /* the process replaced its image */
	SS_PROC_EXIT,          /* the process's last thread exited */
	SS_PROC_RENAME,        /* a thread changed its name (comm = the new name) */
	SS_PROC_THREAD_START,  /* a new thread (tid) in an observed process */
	SS_PROC_THREAD_EXIT,   /* a thread of an observed process exited */
};

/* Record of the session's ss_proc_events ring buffer. 48 bytes. */
struct ss_proc_event {
	__u64 timestamp_ns;     /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	enum ss_proc_kind kind;
	__u32 tgid;
	__u32 tid;
	__u32 parent_tgid;      /* SS_PROC_FORK and THREAD_START: the forking process and thread */
	__u32 parent_tid;
	__u32 _pad;
	char comm[SS_COMM_LEN]; /* the group leader's name; the thread's for RENAME and THREAD_* */
};

/* A stack as stored in a stacks map (kit/stacks.h): frames leaf first. 1928 bytes. */
struct ss_stack {
	__u32 len; /* number of valid entries in ips */
	__u32 _pad;
	__u64 ips[SS_MAX_STACK_DEPTH];
};

#endif
