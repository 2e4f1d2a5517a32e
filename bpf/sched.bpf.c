// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The scheduler, as runqlat, runqlen and Perfetto's thread states see it, in one object:
 *
 * - run-queue latency (wakeup, or preemption, → running): sched_wakeup/_new stamp the woken thread,
 *   sched_switch stamps a preempted prev; when next runs, its wait goes into log2 histograms for
 *   everything, its process and its cgroup (latency_N, double-buffered);
 * - switches per thread, voluntary (it blocked) or involuntary (preempted), and migrations
 *   (threads_N, double-buffered);
 * - run-queue length per CPU, integrated over time at every switch (runq, cumulative);
 * - the timeline stream: switches and wakeups of observed threads, capped per second per CPU.
 *
 * The waker is taken in sched_waking, which runs in the waker's context; sched_wakeup can run on the
 * target CPU from an IPI, where "current" is whoever was interrupted.
 */
#include "kit/kit.h"
#include "kit/log2.h"
#include "kit/budget.h"
#include "kit/slots.h"
#include "kit/task_scratch.h"
#include "sched.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool stream_timeline = true;
const volatile __u32 record_cap_per_cpu = 2000; /* switches + wakeups streamed per second per CPU */
const volatile bool per_cgroup = true;

SS_COUNTERS(sched_counter, SCHED_CTR_MAX);
SS_BTF_STRUCT(sched_latency_key)
SS_BTF_STRUCT(sched_latency)
SS_BTF_STRUCT(sched_thread)
SS_BTF_STRUCT(sched_runq)
SS_BTF_STRUCT(sched_record)
SS_BTF_ENUM(sched_latency_group)
SS_BTF_ENUM(sched_rec_kind)

/* Preallocated: a histogram (~300 bytes with its entry) is too big for the few elements the kernel
 * keeps ready per CPU for maps allocated on demand, and the first waits after a start would find
 * none (ENOMEM). 4096 × 2 entries cost ~2.5 MB. */
struct latency_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sched_latency_key);
	__type(value, struct sched_latency);
};

struct thread_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sched_thread);
};

struct latency_map latency_0 SEC(".maps");
struct latency_map latency_1 SEC(".maps");
struct thread_map threads_0 SEC(".maps");
struct thread_map threads_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_runq);
} runq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} timeline SEC(".maps");

/* When the thread became runnable; 0 when it is not waiting for a CPU. */
SS_TASK_SCRATCH(enqueued, __u64);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} enqueued_by_tid SEC(".maps");

SS_BUDGET(record_budgets);

#define count(index) ss_count(&sched_counters, index)

static __always_inline __u32 decode_state(bool preempt, unsigned int prev_state, unsigned int exit_state)
{
	unsigned int s;

	if (preempt)
		return 1;
	s = (prev_state | exit_state) & 0x7f;
	if ((prev_state & 0x402) == 0x402)
		return 4;
	if (prev_state & (0x1000 | 0x8000))
		return 3;
	if (s == 0)
		return 1;
	if (s & 0x1 && !(s & ~0x1))
		return 2;
	if (s & 0x2 && !(s & ~0x3))
		return 3;
	return 4;
}

static __always_inline void add_latency(void *map, __u32 group, __u64 id, __u64 ns, __u32 bucket)
{
	struct sched_latency_key key = { .group = group, .id = id };
	struct sched_latency *h, zero = {};
	__u64 max;

	h = bpf_map_lookup_elem(map, &key);
	if (!h) {
		long err = bpf_map_update_elem(map, &key, &zero, BPF_NOEXIST);

		if (err && err != -EEXIST) {
			count(SCHED_CTR_LOST_LATENCY_FULL);
			return;
		}
		h = bpf_map_lookup_elem(map, &key);
		if (!h)
			return;
	}
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
	if (bucket < SCHED_LATENCY_BUCKETS)
		__sync_fetch_and_add(&h->buckets[bucket], 1);
	/* A racing larger max may be overwritten by a smaller one: max is exact per CPU, near enough overall. */
	max = h->max_ns;
	if (ns > max)
		h->max_ns = ns;
}

/* What the programs need of a task, read once per variant (direct access in tp_btf, CO-RE in raw_tp). */
struct side {
	__u32 tgid;
	__u32 tid;
	__u64 cgroup;
	const char *comm;
	bool wanted;
};

static __always_inline void waited(const struct side *next, __u64 waited_ns)
{
	bool slot = ss_active_slot_now();
	void *map = slot ? (void *)&latency_1 : (void *)&latency_0;
	__u32 bucket = ss_log2_bucket(waited_ns / 1000, SCHED_LATENCY_BUCKETS);

	add_latency(map, SCHED_GROUP_ALL, 0, waited_ns, bucket);
	add_latency(map, SCHED_GROUP_PROCESS, next->tgid, waited_ns, bucket);
	if (per_cgroup && next->cgroup)
		add_latency(map, SCHED_GROUP_CGROUP, next->cgroup, waited_ns, bucket);
	count(SCHED_CTR_LATENCIES);
}

static __always_inline struct sched_thread *thread_counts(__u32 tid, __u32 tgid, const char *comm)
{
	bool slot = ss_active_slot_now();
	void *map = slot ? (void *)&threads_1 : (void *)&threads_0;
	struct sched_thread *t, zero = { .tgid = tgid };

	t = bpf_map_lookup_elem(map, &tid);
	if (t)
		return t;
	bpf_probe_read_kernel_str(zero.comm, sizeof(zero.comm), comm);
	bpf_map_update_elem(map, &tid, &zero, BPF_NOEXIST);
	t = bpf_map_lookup_elem(map, &tid);
	if (!t)
		count(SCHED_CTR_LOST_THREADS_FULL);
	return t;
}

/* The run queue of this CPU changed at a switch: add the time the old length lasted. */
static __always_inline void runq_changed(unsigned int nr_running, __u64 now)
{
	__u32 zero = 0, len = nr_running > 1 ? nr_running - 1 : 0;
	struct sched_runq *q = bpf_map_lookup_elem(&runq, &zero);

	if (!q)
		return;
	if (q->last_ns && now > q->last_ns)
		q->area += (now - q->last_ns) * q->last_len;
	q->last_ns = now;
	q->last_len = len;
	if (len > q->max_len)
		q->max_len = len;
}

static __always_inline bool record_allowed(__u64 now)
{
	if (ss_budget_take(&record_budgets, record_cap_per_cpu, now))
		return true;
	count(SCHED_CTR_RECORDS_CAPPED);
	return false;
}

static __always_inline void stream(__u64 now, __u32 kind, __u32 cpu, const struct side *a, __u32 state, const struct side *b)
{
	struct sched_record *r;

	if (!stream_timeline || !(a->wanted || b->wanted) || !record_allowed(now))
		return;
	r = SS_RESERVE(&timeline, struct sched_record);
	if (!r)
		return;
	r->timestamp_ns = now;
	r->kind = kind;
	r->cpu = cpu;
	r->prev_tgid = a->wanted || kind == SCHED_REC_WAKEUP ? a->tgid : 0;
	r->prev_tid = a->wanted || kind == SCHED_REC_WAKEUP ? a->tid : 0;
	r->next_tgid = b->wanted ? b->tgid : 0;
	r->next_tid = b->wanted ? b->tid : 0;
	r->prev_state = state;
	r->_pad = 0;
	bpf_probe_read_kernel(r->prev_comm, sizeof(r->prev_comm), a->comm);
	bpf_probe_read_kernel(r->next_comm, sizeof(r->next_comm), b->comm);
	ss_submit(&timeline, r);
}

/* A switch: prev leaves in state; next's wait for a CPU ends. since_prev/since_next: their enqueue stamps (or NULL). */
static __always_inline void switched(__u64 now, const struct side *prev, __u32 state, __u64 *since_prev, const struct side *next, __u64 *since_next)
{
	struct sched_thread *t;

	if (prev->wanted) {
		t = thread_counts(prev->tid, prev->tgid, prev->comm);
		if (t)
			__sync_fetch_and_add(state == 1 ? &t->involuntary : &t->voluntary, 1);
		if (state == 1) {
			/* Preempted: it waits for a CPU from now on. */
			if (since_prev)
				*since_prev = now;
			else
				count(SCHED_CTR_LOST_NO_STORAGE);
		}
	}
	if (next->wanted && since_next && *since_next) {
		if (now > *since_next)
			waited(next, now - *since_next);
		*since_next = 0;
	}
	stream(now, SCHED_REC_SWITCH, bpf_get_smp_processor_id(), prev, state, next);
}

static __always_inline void migrated(const struct side *p)
{
	struct sched_thread *t;

	if (!p->wanted)
		return;
	t = thread_counts(p->tid, p->tgid, p->comm);
	if (t)
		__sync_fetch_and_add(&t->migrations, 1);
}

static __always_inline void waking(const struct side *p, __u32 cpu)
{
	__u64 id = bpf_get_current_pid_tgid();
	char comm[16];
	struct side waker = { .tgid = id >> 32, .tid = (__u32)id, .comm = comm, .wanted = false };

	if (!p->wanted)
		return;
	bpf_get_current_comm(comm, sizeof(comm));
	stream(bpf_ktime_get_ns(), SCHED_REC_WAKEUP, cpu, &waker, 0, p);
}

/* --- tp_btf: typed arguments, per-task storage ---------------------------------------------- */

static __always_inline void side_of(struct side *side, struct task_struct *t)
{
	side->tgid = t->tgid;
	side->tid = t->pid;
	side->cgroup = per_cgroup ? t->cgroups->dfl_cgrp->kn->id : 0;
	side->comm = t->comm;
	side->wanted = t->pid && ss_wanted_task(t);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	struct side a, b;
	__u32 state = decode_state(preempt, prev_state, prev->exit_state);
	__u64 now = bpf_ktime_get_ns();

	count(SCHED_CTR_SWITCHES_SEEN);
	runq_changed(prev->se.cfs_rq->rq->nr_running, now);
	side_of(&a, prev);
	side_of(&b, next);
	switched(now, &a, state, a.wanted && state == 1 ? ss_task_scratch(&enqueued, prev) : NULL,
		 &b, b.wanted ? bpf_task_storage_get(&enqueued, next, 0, 0) : NULL);
	return 0;
}

static __always_inline void enqueued_btf(struct task_struct *p)
{
	__u64 *since;

	if (!p->pid || !ss_wanted_task(p))
		return;
	since = ss_task_scratch(&enqueued, p);
	if (since)
		*since = bpf_ktime_get_ns();
	else
		count(SCHED_CTR_LOST_NO_STORAGE);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup_btf, struct task_struct *p)
{
	enqueued_btf(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_btf, struct task_struct *p)
{
	enqueued_btf(p);
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(sched_waking_btf, struct task_struct *p)
{
	struct side side;

	side_of(&side, p);
	waking(&side, p->wake_cpu);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(sched_migrate_btf, struct task_struct *p, int dest_cpu)
{
	struct side side;

	side_of(&side, p);
	migrated(&side);
	return 0;
}

/* --- raw_tp fallback: untyped pointers (CO-RE reads), stamps kept by tid ---------------------
 * Another task than the current one can only be matched against the filter's pids here: a name or
 * cgroup filter lets such a task through (the current task is always matched fully). */

static __always_inline bool wanted_raw(__u32 tgid, bool current)
{
	const struct ss_filter_config *cfg;
	__u32 zero = 0;
	__u8 *bits;

	if (current)
		return ss_wanted_current();
	cfg = bpf_map_lookup_elem(&ss_filter, &zero);
	if (!cfg || (tgid == cfg->agent_tgid && !cfg->include_agent))
		return false;
	if (!(cfg->flags & SS_FILTER_PIDS))
		return true;
	bits = bpf_map_lookup_elem(&ss_filter_tgids, &tgid);
	return bits && (*bits & (1 << (cfg->pid_generation & 1)));
}

static __always_inline void side_raw(struct side *side, struct task_struct *t, bool current)
{
	side->tgid = BPF_CORE_READ(t, tgid);
	side->tid = BPF_CORE_READ(t, pid);
	side->cgroup = per_cgroup ? BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id) : 0;
	side->comm = t->comm;
	side->wanted = side->tid && wanted_raw(side->tgid, current);
}

static __always_inline __u64 *stamp_raw(__u32 tid, bool create)
{
	__u64 zero = 0;

	if (create)
		bpf_map_update_elem(&enqueued_by_tid, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&enqueued_by_tid, &tid);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct side a, b;
	unsigned int prev_state = bpf_core_field_exists(prev->__state) ? BPF_CORE_READ(prev, __state) : 0;
	__u32 state = decode_state(preempt, prev_state, BPF_CORE_READ(prev, exit_state));
	__u64 now = bpf_ktime_get_ns();

	count(SCHED_CTR_SWITCHES_SEEN);
	runq_changed(BPF_CORE_READ(prev, se.cfs_rq, rq, nr_running), now);
	side_raw(&a, prev, true);
	side_raw(&b, next, false);
	switched(now, &a, state, a.wanted && state == 1 ? stamp_raw(a.tid, true) : NULL, &b, b.wanted ? stamp_raw(b.tid, false) : NULL);
	return 0;
}

static __always_inline void enqueued_raw(struct task_struct *p)
{
	struct side side;
	__u64 *since;

	side_raw(&side, p, false);
	if (!side.wanted)
		return;
	since = stamp_raw(side.tid, true);
	if (since)
		*since = bpf_ktime_get_ns();
	else
		count(SCHED_CTR_LOST_NO_STORAGE);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(sched_wakeup_raw, struct task_struct *p)
{
	enqueued_raw(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new_raw, struct task_struct *p)
{
	enqueued_raw(p);
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(sched_waking_raw, struct task_struct *p)
{
	struct side side;

	side_raw(&side, p, false);
	waking(&side, BPF_CORE_READ(p, wake_cpu));
	return 0;
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(sched_migrate_raw, struct task_struct *p)
{
	struct side side;

	side_raw(&side, p, false);
	migrated(&side);
	return 0;
}
