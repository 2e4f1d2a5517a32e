/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The session's process filter, one for every object of a session: user space creates ss_filter and
 * ss_filter_tgids once per session and hands the same maps to every object before it loads
 * (bpf_map__reuse_fd), then rewrites them live when the filter changes.
 *
 *   ss_wanted_current()     the current task (any program type: tp_btf, raw_tp, perf_event, tp)
 *   ss_wanted_task(t)       another task, given as a BTF pointer (a tp_btf argument, or
 *                           bpf_get_current_task_btf()); raw_tp arguments are not BTF pointers
 *
 * A task is wanted when it matches every part of the filter that is set: its process id is in the
 * set, its default-hierarchy cgroup is the target or below it, its group leader's name starts with
 * the prefix. The agent itself is never wanted unless include_agent. With no filter set the task is
 * not read at all.
 */
#ifndef SS_KIT_FILTER_H
#define SS_KIT_FILTER_H

#include "kit/common.h"
#include "kit/counters.h"

/* Old and new pid sets coexist while the filter switches between them (see pid_generation). */
#define SS_FILTER_MAX_TGIDS 2048

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* Mapped into user space, which writes it field by field under the sequence lock. */
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ss_filter_config);
} ss_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SS_FILTER_MAX_TGIDS);
	__type(key, __u32);  /* tgid */
	__type(value, __u8); /* bit (1 << generation): in that generation's set */
} ss_filter_tgids SEC(".maps");

/* Only older kernels (before 6.1) keep ancestor ids instead of ancestor pointers. */
struct cgroup___ids {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* Whether the task's default-hierarchy cgroup is the target or one of its descendants: the target
 * is then its ancestor at the target's level. */
static __always_inline bool ss__task_in_cgroup(struct task_struct *task, const struct ss_filter_config *cfg)
{
	struct cgroup *cgrp = task->cgroups->dfl_cgrp, *ancestor = NULL;
	__u32 level = cfg->cgroup_level;
	__u64 id = 0;

	if (level > 255 || BPF_CORE_READ(cgrp, level) < (int)level)
		return false;
	if (bpf_core_field_exists(struct cgroup___ids, ancestor_ids)) {
		/* A variable index is not a BTF access the verifier can check: read it as memory. */
		bpf_probe_read_kernel(&id, sizeof(id),
				      (void *)cgrp + bpf_core_field_offset(struct cgroup___ids, ancestor_ids) + level * sizeof(__u64));
		return id == cfg->cgroup_id;
	}
	bpf_probe_read_kernel(&ancestor, sizeof(ancestor),
			      (void *)cgrp + bpf_core_field_offset(struct cgroup, ancestors) + level * sizeof(void *));
	return ancestor && BPF_CORE_READ(ancestor, kn, id) == cfg->cgroup_id;
}

/* Compares the first comm_len bytes of a name with the prefix: two masked 8-byte compares. */
static __always_inline bool ss__comm_match(const struct ss_filter_config *cfg, const char *comm)
{
	__u32 len = cfg->comm_len;
	__u64 name[2], prefix[2], low, high;

	__builtin_memcpy(name, comm, sizeof(name));
	__builtin_memcpy(prefix, cfg->comm, sizeof(prefix));
	if (len == 0 || len > 15)
		return false;
	low = len >= 8 ? ~0ULL : (1ULL << (len * 8)) - 1;
	high = len <= 8 ? 0 : (1ULL << ((len - 8) * 8)) - 1;
	return (name[0] & low) == (prefix[0] & low) && (name[1] & high) == (prefix[1] & high);
}

/* The parts of the filter that are set; task is NULL for the current task (helpers are cheaper). */
static __always_inline bool ss__match(const struct ss_filter_config *cfg, __u32 flags, __u32 tgid, struct task_struct *task)
{
	if (flags & SS_FILTER_PIDS) {
		__u8 *bits = bpf_map_lookup_elem(&ss_filter_tgids, &tgid);

		if (!bits || !(*bits & (1 << (cfg->pid_generation & 1))))
			return false;
	}
	if (flags & SS_FILTER_CGROUP) {
		if (!task) {
			if (bpf_get_current_ancestor_cgroup_id(cfg->cgroup_level) != cfg->cgroup_id)
				return false;
		} else if (!ss__task_in_cgroup(task, cfg)) {
			return false;
		}
	}
	if (flags & SS_FILTER_COMM) {
		if (!task)
			task = bpf_get_current_task_btf();
		if (!ss__comm_match(cfg, task->group_leader->comm))
			return false;
	}
	return true;
}

static __always_inline bool ss__wanted(__u32 tgid, struct task_struct *task)
{
	const struct ss_filter_config *cfg;
	__u32 zero = 0, seq, flags;
	bool wanted;

	cfg = bpf_map_lookup_elem(&ss_filter, &zero);
	if (!cfg)
		return false;
	seq = SS_READ_ONCE(cfg->seq);
	ss_barrier();
	flags = cfg->flags;
	if (tgid == cfg->agent_tgid && !cfg->include_agent)
		wanted = false;
	else
		wanted = !flags || ss__match(cfg, flags, tgid, task);
	ss_barrier();
	/* Read while user space was writing: neither the old nor the new filter can be trusted. */
	if ((seq & 1) || SS_READ_ONCE(cfg->seq) != seq) {
		ss_kit_count(SS_CTR_FILTER_BUSY);
		return false;
	}
	return wanted;
}

static __always_inline bool ss_wanted_current(void)
{
	return ss__wanted(bpf_get_current_pid_tgid() >> 32, NULL);
}

/* task must be a BTF pointer: a tp_btf argument, or bpf_get_current_task_btf(). */
static __always_inline bool ss_wanted_task(struct task_struct *task)
{
	return ss__wanted(task->tgid, task);
}

#endif
