/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The session's process lifecycle channel, shared by every object of a session like the filter:
 * ss_proc_events (a ring buffer the process source reads) and ss_known_tgids (the processes already
 * announced). A source that records something about a process calls ss_announce_current() first:
 * the first time any source of the session records a process, it is announced as seen, so
 * symbolisation can snapshot it while it is alive, before its samples are resolved.
 */
#ifndef SS_KIT_PROCESS_H
#define SS_KIT_PROCESS_H

#include "kit/common.h"
#include "kit/counters.h"
#include "kit/emit.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} ss_proc_events SEC(".maps");

/* LRU: an evicted live process is announced again, which is harmless; a full table never blocks
 * recording. The process source deletes a process here on exec (its mappings changed) and exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} ss_known_tgids SEC(".maps");

SS_BTF_STRUCT(ss_proc_event)

/* parent: tgid << 32 | tid of the forking thread, as bpf_get_current_pid_tgid() gives it (else 0).
 * comm may be any kernel pointer (a BTF pointer or a raw_tp argument): it is copied, not read. */
static __always_inline bool ss_emit_process(enum ss_proc_kind kind, __u32 tgid, __u32 tid, __u64 parent, const char *comm)
{
	struct ss_proc_event *e = SS_RESERVE(&ss_proc_events, struct ss_proc_event);

	if (!e)
		return false;
	e->timestamp_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->tgid = tgid;
	e->tid = tid;
	e->parent_tgid = parent >> 32;
	e->parent_tid = (__u32)parent;
	e->_pad = 0;
	if (bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm) < 0)
		e->comm[0] = '\0';
	ss_submit(&ss_proc_events, e);
	return true;
}

/* First record of the current process in this session: announce it with its group leader's name.
 * One map lookup on the common path; the rest is rare. */
static __always_inline void ss_announce_current(__u32 tgid, __u32 tid)
{
	struct task_struct *task;
	__u8 one = 1;

	if (tgid == 0 || bpf_map_lookup_elem(&ss_known_tgids, &tgid))
		return;
	/* NOEXIST: when two CPUs race, only the one that inserts announces. */
	if (bpf_map_update_elem(&ss_known_tgids, &tgid, &one, BPF_NOEXIST))
		return;
	task = bpf_get_current_task_btf();
	/* A task is still recorded on its way out, after its exit was reported: announcing it then
	 * would resurrect a process that is gone. */
	if (task->flags & PF_EXITING) {
		bpf_map_delete_elem(&ss_known_tgids, &tgid);
		return;
	}
	if (ss_emit_process(SS_PROC_SEEN, tgid, tid, 0, task->group_leader->comm))
		ss_kit_count(SS_CTR_PROCESSES_ANNOUNCED);
	else
		bpf_map_delete_elem(&ss_known_tgids, &tgid); /* ring full: try again on its next record */
}

#endif
