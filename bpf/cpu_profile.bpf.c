// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * On-CPU sampling with aggregation in the kernel.
 *
 * A perf_event program runs on every cpu-clock sample, captures the user and kernel stacks
 * (kit/stacks.h), and adds one to counts_N[{tgid, tid, user, kernel}]; each distinct stack is
 * stored once in stacks_N[hash]. Two slots (N = 0, 1, kit/slots.h) let user space drain a quiet one
 * while the program writes the other. Nothing is streamed per sample; the first sample of a
 * process in the session announces it (kit/process.h), so that symbolisation can snapshot it while
 * it is alive. The session's filter (kit/filter.h) decides which samples count.
 */
#include "kit/kit.h"
#include "kit/budget.h"
#include "kit/stacks.h"
#include "kit/slots.h"
#include "cpu_profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keep samples of the idle task (pid 0). User space sets it before load. */
const volatile __u32 include_idle = 0;
/* Stream samples one by one for the thread timeline, at most tick_cap_per_cpu per second per CPU. */
const volatile bool stream_ticks = false;
const volatile __u32 tick_cap_per_cpu = 1000;

SS_COUNTERS(cpu_counter, CPU_CTR_MAX);
SS_BTF_STRUCT(cpu_tick)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} ticks SEC(".maps");

SS_BUDGET(tick_budgets);

/* Sizes below are defaults; user space sets max_entries before load. BPF_F_NO_PREALLOC: memory is
 * only used for entries actually present (this kernel allocates them safely in any context). */
struct count_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct cpu_count_key);
	__type(value, __u64);
};

struct count_map counts_0 SEC(".maps");
struct count_map counts_1 SEC(".maps");
SS_STACK_MAP(stacks_0, 8192);
SS_STACK_MAP(stacks_1, 8192);

static __always_inline void count(__u32 index)
{
	ss_count(&cpu_counters, index);
}

static __always_inline void count_lost(long err, __u32 full_counter)
{
	/* A hash map answers -E2BIG when it is full; -ENOMEM when the entry cannot be allocated. */
	count(err == -E2BIG || err == -ENOMEM ? full_counter : CPU_CTR_LOST_OTHER);
}

static __always_inline void record(void *counts, void *stacks, struct cpu_count_key *key, struct ss_stacks *st)
{
	__u64 one = 1, *value;
	long err;

	value = bpf_map_lookup_elem(counts, key);
	if (value) {
		__sync_fetch_and_add(value, 1);
		count(CPU_CTR_SAMPLES_RECORDED);
		return;
	}
	/* A new key: store its stacks first, so a drained count never refers to a missing stack.
	 * An existing key's stacks are already in this slot, so the common path skips this. */
	err = ss_store_stack(stacks, key->user_stack, &st->user);
	if (!err)
		err = ss_store_stack(stacks, key->kernel_stack, &st->kernel);
	if (err) {
		count_lost(err, CPU_CTR_LOST_STACKS_FULL);
		return;
	}
	err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Another CPU inserted the same key between our lookup and update. */
		value = bpf_map_lookup_elem(counts, key);
		if (value) {
			__sync_fetch_and_add(value, 1);
			err = 0;
		}
	}
	if (err) {
		count_lost(err, CPU_CTR_LOST_COUNTS_FULL);
		return;
	}
	count(CPU_CTR_SAMPLES_RECORDED);
}

/* The sample, one by one, for the timeline: its stacks were stored in the slot it was counted in. */
static __always_inline void tick(const struct cpu_count_key *key, __u32 slot)
{
	__u64 now = bpf_ktime_get_ns();
	struct cpu_tick *t;

	if (!ss_budget_take(&tick_budgets, tick_cap_per_cpu, now)) {
		count(CPU_CTR_TICKS_CAPPED);
		return;
	}
	t = SS_RESERVE(&ticks, struct cpu_tick);
	if (!t)
		return;
	t->timestamp_ns = now;
	t->tgid = key->tgid;
	t->tid = key->tid;
	t->cpu = bpf_get_smp_processor_id();
	t->slot = slot;
	t->user_stack = key->user_stack;
	t->kernel_stack = key->kernel_stack;
	ss_submit(&ticks, t);
	count(CPU_CTR_TICKS);
}

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, slot;
	struct cpu_count_key key;
	struct ss_stacks *st;

	count(CPU_CTR_SAMPLES_TAKEN);
	if ((tid == 0 && !include_idle) || !ss_wanted_current()) {
		count(CPU_CTR_SAMPLES_SKIPPED);
		return 0;
	}
	count(CPU_CTR_SAMPLES_ACCEPTED);

	st = ss_capture_stacks(ctx);
	if (!st) {
		count(CPU_CTR_LOST_OTHER);
		return 0;
	}
	key.tgid = tgid;
	key.tid = tid;
	key.user_stack = st->user_hash;
	key.kernel_stack = st->kernel_hash;

	/* Announce before counting: user space collects announcements before it publishes a window,
	 * so the process is known before its first samples arrive. */
	ss_announce_current(tgid, tid);

	slot = ss_active_slot_now();
	if (slot)
		record(&counts_1, &stacks_1, &key, st);
	else
		record(&counts_0, &stacks_0, &key, st);
	if (stream_ticks)
		tick(&key, slot);
	return 0;
}
