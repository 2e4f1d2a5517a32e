// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Process lifecycle, part of every session: forks, execs, exits, renames, thread starts and exits
 * of the processes the session's filter admits, written to the session's ss_proc_events ring buffer,
 * where the other sources' "seen" announcements (kit/process.h) arrive too. One reader in user space
 * turns all of them into ProcessLifecycle events, in ring order.
 *
 * tp_btf programs read their typed arguments directly (cheaper than BPF_CORE_READ); the raw_tp
 * variants of the same programs are the fallback where tp_btf does not load, and read through CO-RE.
 */
#include "kit/kit.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Which exits were reported: see on_exit. The leader's start time tells a reused tgid apart. */
struct exit_key {
	__u32 tgid;
	__u32 _pad;
	__u64 start_time;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exit_key);
	__type(value, __u8);
} reported_exits SEC(".maps");

/* The parent is the current task (sched_process_fork fires in the parent): a fork is wanted when its parent is (a child inherits cgroup and
 * name; a pid filter names the parent). A new thread of the same group is a thread start. */
static __always_inline void on_fork(__u32 child_tgid, __u32 child_tid, const char *child_comm)
{
	__u64 parent = bpf_get_current_pid_tgid();

	if (!ss_wanted_current())
		return;
	ss_emit_process(child_tgid == parent >> 32 ? SS_PROC_THREAD_START : SS_PROC_FORK, child_tgid, child_tid, parent, child_comm);
}

/* The exec'ing task is current, already under its new name. */
static __always_inline void on_exec(__u32 tgid, __u32 tid, const char *comm)
{
	/* Its mappings changed: the next source that records it announces it again. */
	bpf_map_delete_elem(&ss_known_tgids, &tgid);
	if (ss_wanted_current())
		ss_emit_process(SS_PROC_EXEC, tgid, tid, 0, comm);
}

/*
 * The exiting task is current. Every observed thread's exit is reported; the process's exit when its
 * last thread exits (signal->live drops to 0 before the tracepoint: testing pid == tgid would report
 * a leader that exits before its threads). Two last threads exiting at once can both see the group
 * dead; reported_exits lets only the first report it.
 */
static __always_inline void on_exit(__u32 tgid, __u32 tid, const char *comm, bool group_dead, const char *leader_comm, __u64 start_time)
{
	struct exit_key key = { .tgid = tgid, .start_time = start_time };
	bool wanted = ss_wanted_current();
	__u8 one = 1;

	if (wanted)
		ss_emit_process(SS_PROC_THREAD_EXIT, tgid, tid, 0, comm);
	if (!group_dead)
		return;
	bpf_map_delete_elem(&ss_known_tgids, &tgid);
	if (wanted && !bpf_map_update_elem(&reported_exits, &key, &one, BPF_NOEXIST))
		ss_emit_process(SS_PROC_EXIT, tgid, tgid, 0, leader_comm);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	on_fork(child->tgid, child->pid, child->comm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p->tgid, p->pid, p->comm);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit_btf, struct task_struct *p)
{
	struct task_struct *leader = p->group_leader;

	on_exit(p->tgid, p->pid, p->comm, p->signal->live.counter == 0, leader->comm, leader->start_time);
	return 0;
}

/* Fires before the name changes; comm is the new name. exec renames the task too, and its exec
 * record says so already. */
SEC("tp_btf/task_rename")
int BPF_PROG(process_rename_btf, struct task_struct *task, const char *comm)
{
	if (bpf_core_field_exists(task->in_execve) && BPF_CORE_READ_BITFIELD(task, in_execve))
		return 0;
	if (ss_wanted_task(task))
		ss_emit_process(SS_PROC_RENAME, task->tgid, task->pid, 0, comm);
	return 0;
}

/* raw_tp fallback: the same arguments as untyped pointers, so every field goes through CO-RE probe
 * reads (a direct dereference is rejected by the verifier). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	on_fork(BPF_CORE_READ(child, tgid), BPF_CORE_READ(child, pid), child->comm);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(process_exec_raw, struct task_struct *p)
{
	on_exec(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid), p->comm);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(process_exit_raw, struct task_struct *p)
{
	struct task_struct *leader = BPF_CORE_READ(p, group_leader);

	on_exit(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid), p->comm, BPF_CORE_READ(p, signal, live.counter) == 0,
		leader->comm, BPF_CORE_READ(leader, start_time));
	return 0;
}

/* Only renames of the current task: the filter needs a BTF pointer for any other (tp_btf has one). */
SEC("raw_tp/task_rename")
int BPF_PROG(process_rename_raw, struct task_struct *task, const char *comm)
{
	if ((__u64)task != bpf_get_current_task())
		return 0;
	if (bpf_core_field_exists(task->in_execve) && BPF_CORE_READ_BITFIELD_PROBED(task, in_execve))
		return 0;
	if (ss_wanted_current())
		ss_emit_process(SS_PROC_RENAME, BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, pid), 0, comm);
	return 0;
}
