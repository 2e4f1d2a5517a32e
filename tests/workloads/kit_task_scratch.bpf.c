// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// Test program for the kit's per-task scratch (bpf/kit/task_scratch.h): counts one process's
// getppid(2) calls in the calling task's storage and copies the count where user space reads it.
#include "kit/common.h"
#include "kit/task_scratch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SYS_GETPPID 110 /* x86_64 */

const volatile __u32 target_tgid = 0;

SS_TASK_SCRATCH(per_task, __u64);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} result SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(count_getppid, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	__u64 *count;

	if (task->tgid != target_tgid || id != SYS_GETPPID)
		return 0;
	count = ss_task_scratch(&per_task, task);
	if (!count)
		return 0;
	*count += 1;
	bpf_map_update_elem(&result, &zero, count, BPF_ANY);
	return 0;
}
