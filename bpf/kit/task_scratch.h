/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-task scratch space (BPF_MAP_TYPE_TASK_STORAGE): a value that lives and dies with the task, so
 * it needs no cleanup at exit and cannot be confused by a reused thread id the way a tid-keyed hash
 * can. Cheaper than a hash map too.
 *
 *   SS_TASK_SCRATCH(start_times, __u64);
 *   __u64 *t = ss_task_scratch(&start_times, task);   // created on first use; NULL if it cannot be
 */
#ifndef SS_KIT_TASK_SCRATCH_H
#define SS_KIT_TASK_SCRATCH_H

#include "kit/common.h"

#define SS_TASK_SCRATCH(name, value_type)                \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE); \
		__uint(map_flags, BPF_F_NO_PREALLOC);    \
		__type(key, int);                        \
		__type(value, value_type);               \
	} name SEC(".maps")

/* task must be a BTF pointer (a tp_btf argument, or bpf_get_current_task_btf()). */
static __always_inline void *ss_task_scratch(void *map, struct task_struct *task)
{
	return bpf_task_storage_get(map, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

#endif
