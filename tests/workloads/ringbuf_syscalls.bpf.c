// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// Test program: one ring buffer record per system call entered by one process, with the same
// batched-wakeup rule as the sources, so a test can count records against a known number of calls.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;
const volatile __u64 wakeup_threshold = 16 * 1024;

struct record {
	__u64 seq;
	__u64 syscall_nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps"); /* 0: submitted, 1: dropped (ring full) */

static __u64 seq;

SEC("raw_tp/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	__u32 key;
	__u64 *value;
	struct record *r;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	key = r ? 0 : 1;
	value = bpf_map_lookup_elem(&stats, &key);
	if (value)
		__sync_fetch_and_add(value, 1);
	if (!r)
		return 0;
	r->seq = __sync_fetch_and_add(&seq, 1);
	r->syscall_nr = id;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= wakeup_threshold ? BPF_RB_FORCE_WAKEUP
												 : BPF_RB_NO_WAKEUP);
	return 0;
}
