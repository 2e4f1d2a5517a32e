// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Syscalls: count, errors and latency per process (or thread) and syscall, aggregated in the kernel,
 * and calls slower than a threshold streamed with their user stack for the timeline.
 *
 * The cheapest correct latency design (Rezolus measured it against syscount's tid hash): filter before
 * any map access; keep the start in task storage (no hash, no bucket lock, freed with the task, so
 * no dead tids filling a table); at exit one hash lookup and a few atomic adds into a log2 histogram.
 * Blocking calls migrate, so nothing is per CPU. Any raw_syscalls attach moves every task onto the
 * slow syscall path: that fixed cost is the kernel's, and is paid only while a session runs.
 */
#include "kit/kit.h"
#include "kit/log2.h"
#include "kit/budget.h"
#include "kit/slots.h"
#include "kit/task_scratch.h"
#include "kit/stacks.h"
#include "syscalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool per_thread = false;
const volatile __u64 slow_ns = 0;                /* 0: no slow-call stream */
const volatile __u32 slow_cap_per_cpu = 200;     /* slow calls streamed per second per CPU */
const volatile bool slow_stacks = true;
const volatile bool nr_filter = false;           /* only the syscalls set in wanted_nrs */

SS_COUNTERS(syscall_counter, SYSCALL_CTR_MAX);
SS_BTF_STRUCT(syscall_key)
SS_BTF_STRUCT(syscall_stats)
SS_BTF_STRUCT(syscall_error_key)
SS_BTF_STRUCT(syscall_slow)

/* Preallocated: a histogram (~370 bytes with its entry) is too big for the few elements the kernel's
 * allocator keeps ready per CPU, and a burst of new (process, syscall) pairs would find none. */
struct calls_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
};

struct errors_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, struct syscall_error_key);
	__type(value, __u64);
};

struct calls_map calls_0 SEC(".maps");
struct calls_map calls_1 SEC(".maps");
struct errors_map errors_0 SEC(".maps");
struct errors_map errors_1 SEC(".maps");

/* Syscalls to measure when nr_filter is set: index nr, value 1. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} wanted_nrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} slow SEC(".maps");

SS_TASK_SCRATCH(inflight, struct syscall_inflight);

/* raw_tp fallback: no task storage there without a BTF task pointer; an LRU by tid instead. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct syscall_inflight);
} inflight_by_tid SEC(".maps");

SS_BUDGET(slow_budgets);

#define count(index) ss_count(&syscall_counters, index)

static __always_inline bool nr_wanted(long nr)
{
	__u32 key = nr;
	__u8 *on;

	if (nr < 0)
		return false; /* -1: not a syscall (a ptrace-cancelled or seccomp-skipped entry) */
	if (!nr_filter)
		return true;
	on = bpf_map_lookup_elem(&wanted_nrs, &key);
	return on && *on;
}

static __always_inline void entered(struct syscall_inflight *call, long nr, __u64 arg0)
{
	call->start_ns = bpf_ktime_get_ns();
	call->arg0 = arg0;
	call->nr = nr;
}

/* The entry of (process, syscall) in this window's map, made on the first call: only then is the
 * process announced to the session (a lookup per call would cost as much as the rest). */
static __always_inline struct syscall_stats *stats_for(void *map, const struct syscall_key *key, __u32 tid)
{
	struct syscall_stats *s, zero = {};
	long err;

	s = bpf_map_lookup_elem(map, key);
	if (s)
		return s;
	ss_announce_current(key->tgid, tid);
	err = bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count(SYSCALL_CTR_LOST_CALLS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void count_error(__u32 slot, __u32 tgid, __u32 nr, long ret)
{
	struct syscall_error_key key = { .tgid = tgid, .nr = nr, .err = (__u32)-ret };
	void *map = slot ? (void *)&errors_1 : (void *)&errors_0;
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(map, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(map, &key, &one, BPF_NOEXIST) == -EEXIST) {
		n = bpf_map_lookup_elem(map, &key);
		if (n)
			__sync_fetch_and_add(n, 1);
	} else if (!bpf_map_lookup_elem(map, &key)) {
		count(SYSCALL_CTR_LOST_ERRORS_FULL);
	}
}

static __always_inline bool slow_allowed(__u64 now)
{
	if (ss_budget_take(&slow_budgets, slow_cap_per_cpu, now))
		return true;
	count(SYSCALL_CTR_SLOW_CAPPED);
	return false;
}

static __always_inline void stream_slow(void *ctx, const struct syscall_inflight *call, __u64 now, __u64 took, long ret, __u32 tgid, __u32 tid)
{
	struct syscall_slow *r;
	__u32 frames = 0;

	if (!slow_allowed(now))
		return;
	r = SS_RESERVE(&slow, struct syscall_slow);
	if (!r)
		return;
	r->start_ns = call->start_ns;
	r->duration_ns = took;
	r->arg0 = call->arg0;
	r->ret = ret;
	r->tgid = tgid;
	r->tid = tid;
	r->nr = call->nr;
	if (slow_stacks) {
		struct ss_stacks *st = ss_capture_user_stack(ctx);

		if (st) {
			frames = st->user.len;
			if (frames > SYSCALL_SLOW_FRAMES)
				frames = SYSCALL_SLOW_FRAMES;
			bpf_probe_read_kernel(r->user_stack, sizeof(r->user_stack), st->user.ips);
		}
	}
	r->user_len = frames;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	ss_submit(&slow, r);
	count(SYSCALL_CTR_SLOW);
}

/* At exit: the call in flight ends; its time goes into its process's (or thread's) histogram. */
static __always_inline void exited(void *ctx, struct syscall_inflight *call, long ret)
{
	__u64 now, took, pid_tgid;
	struct syscall_key key = {};
	struct syscall_stats *s;
	__u32 slot, bucket;

	if (!call->start_ns) {
		count(SYSCALL_CTR_UNMATCHED_EXITS);
		return;
	}
	now = bpf_ktime_get_ns();
	took = now > call->start_ns ? now - call->start_ns : 0;
	pid_tgid = bpf_get_current_pid_tgid();
	key.tgid = pid_tgid >> 32;
	key.tid = per_thread ? (__u32)pid_tgid : 0;
	key.nr = call->nr;
	slot = ss_active_slot_now();
	s = stats_for(slot ? (void *)&calls_1 : (void *)&calls_0, &key, (__u32)pid_tgid);
	if (s) {
		/* The count is the sum of the buckets: user space adds them, one atomic less per call. */
		bucket = ss_log2_bucket(took, SYSCALL_LATENCY_BUCKETS);
		__sync_fetch_and_add(&s->total_ns, took);
		if (bucket < SYSCALL_LATENCY_BUCKETS)
			__sync_fetch_and_add(&s->buckets[bucket], 1);
		/* A racing larger max may be overwritten: exact per thread, near enough per process. */
		if (took > s->max_ns)
			s->max_ns = took;
		if (ret < 0 && ret >= -4095) {
			__sync_fetch_and_add(&s->errors, 1);
			count_error(slot, key.tgid, key.nr, ret);
		}
	}
	if (slow_ns && took >= slow_ns)
		stream_slow(ctx, call, now, took, ret, key.tgid, (__u32)pid_tgid);
	call->start_ns = 0;
}

/* --- tp_btf: typed arguments, per-task storage ---------------------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	struct syscall_inflight *call;

	if (!nr_wanted(id) || !ss_wanted_current())
		return 0;
	call = ss_task_scratch(&inflight, bpf_get_current_task_btf());
	if (!call) {
		count(SYSCALL_CTR_LOST_NO_STORAGE);
		return 0;
	}
	/* regs is a BTF pointer here: read directly, not through a helper copy. */
	entered(call, id, PT_REGS_PARM1(regs));
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	/* No filter here: a thread has storage with a start only if its entry passed the filter. */
	struct syscall_inflight *call = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);

	if (call && call->start_ns)
		exited(ctx, call, ret);
	return 0;
}

/* --- raw_tp fallback: the same, with the call in flight kept by tid ---------------------------- */

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	struct syscall_inflight call = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!nr_wanted(id) || !ss_wanted_current())
		return 0;
	entered(&call, id, PT_REGS_PARM1_CORE_SYSCALL(regs));
	if (bpf_map_update_elem(&inflight_by_tid, &tid, &call, BPF_ANY))
		count(SYSCALL_CTR_LOST_NO_STORAGE);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct syscall_inflight *call = bpf_map_lookup_elem(&inflight_by_tid, &tid);

	if (call && call->start_ns)
		exited(ctx, call, ret);
	return 0;
}
