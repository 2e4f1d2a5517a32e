// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory: page faults by stack, major faults and memory stalls on the timeline, OOM kills.
 *
 * - Faults: perf_event programs on the software events PAGE_FAULTS_MIN and PAGE_FAULTS_MAJ with a
 *   sample period of 1 (one program per event, so the kind needs no lookup). The kernel raises them
 *   in mm_account_fault() once a fault has completed, for the faulting task, with its registers and
 *   the faulting address: exact counts and the minor/major split that exceptions:page_fault_user
 *   (raised at fault entry, before anyone knows whether I/O will be needed, and again on retries)
 *   cannot give. A period-1 software event is never throttled. Each fault adds one to
 *   faults_N[{tgid, tid, user stack, kernel stack, major}] (double-buffered, kit/slots.h); major
 *   faults are also streamed, capped per second per CPU, for the timeline.
 * - Stalls: vmscan:mm_vmscan_direct_reclaim_begin/end, mm_vmscan_memcg_reclaim_begin/end and
 *   compaction:mm_compaction_begin/end, start kept per thread; each end adds to cumulative totals and
 *   streams a span (capped with the major faults).
 * - OOM: oom:mark_victim, streamed uncapped (rare); the victim's memory cgroup and the nearest limit
 *   above it are read from its css, so a cgroup OOM names its limit.
 */
#include "kit/kit.h"
#include "kit/budget.h"
#include "kit/stacks.h"
#include "kit/slots.h"
#include "memory.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Major faults and stalls streamed per second per CPU. User space sets it before load. */
const volatile __u32 record_cap_per_cpu = 1000;
/* Stream major faults for the timeline. */
const volatile bool stream_major = true;

SS_COUNTERS(mem_counter, MEM_CTR_MAX);
SS_BTF_STRUCT(mem_fault_key)
SS_BTF_STRUCT(mem_record)
SS_BTF_STRUCT(mem_oom)
SS_BTF_STRUCT(mem_stall_total)
SS_BTF_ENUM(mem_rec_kind)
SS_BTF_ENUM(mem_stall_kind)

struct fault_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct mem_fault_key);
	__type(value, __u64);
};

struct fault_map faults_0 SEC(".maps");
struct fault_map faults_1 SEC(".maps");
SS_STACK_MAP(stacks_0, 8192);
SS_STACK_MAP(stacks_1, 8192);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} ooms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MEM_STALL_MAX);
	__type(key, __u32);
	__type(value, struct mem_stall_total);
} stall_totals SEC(".maps");

/* A stall in progress: when it began, and the allocation order. Key: tid << 8 | kind. Deleted at
 * its end; LRU so that a thread that died inside a stall cannot fill it. */
struct stall_start {
	__u64 start_ns;
	__u64 order;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct stall_start);
} stall_starts SEC(".maps");

SS_BUDGET(record_budgets);

#define count(index) ss_count(&mem_counters, index)

static __always_inline void count_lost(long err, __u32 full_counter)
{
	count(err == -E2BIG || err == -ENOMEM ? full_counter : MEM_CTR_LOST_OTHER);
}

static __always_inline bool record_allowed(__u64 now)
{
	if (ss_budget_take(&record_budgets, record_cap_per_cpu, now))
		return true;
	count(MEM_CTR_RECORDS_CAPPED);
	return false;
}

/* Streams a record of the current thread; user frames copied from st when given. */
static __always_inline void stream(__u32 kind, __u64 start, __u64 duration, __u64 address, __u64 order, const struct ss_stack *user)
{
	struct mem_record *r;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 len = 0;

	if (!record_allowed(start))
		return;
	r = SS_RESERVE(&events, struct mem_record);
	if (!r)
		return;
	r->timestamp_ns = start;
	r->duration_ns = duration;
	r->kind = kind;
	r->tgid = id >> 32;
	r->tid = (__u32)id;
	r->address = address;
	r->order = order;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (user) {
		len = user->len;
		if (len > MEM_SPAN_FRAMES)
			len = MEM_SPAN_FRAMES;
		bpf_probe_read_kernel(r->user_ips, sizeof(r->user_ips), user->ips);
	}
	r->user_len = len;
	ss_submit(&events, r);
}

/* period: the faults one program run stands for (the event's sample period, 1 by default). */
static __always_inline void record_fault(void *faults, void *stacks, struct mem_fault_key *key, struct ss_stacks *st, __u64 period)
{
	__u64 one = period, *value;
	long err;

	value = bpf_map_lookup_elem(faults, key);
	if (value) {
		__sync_fetch_and_add(value, period);
		count(MEM_CTR_FAULTS_RECORDED);
		return;
	}
	/* A new key: its stacks first, so a drained count never refers to a missing stack. */
	err = ss_store_stack(stacks, key->user_stack, &st->user);
	if (!err)
		err = ss_store_stack(stacks, key->kernel_stack, &st->kernel);
	if (err) {
		count_lost(err, MEM_CTR_LOST_STACKS_FULL);
		return;
	}
	err = bpf_map_update_elem(faults, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		value = bpf_map_lookup_elem(faults, key);
		if (value) {
			__sync_fetch_and_add(value, period);
			err = 0;
		}
	}
	if (err) {
		count_lost(err, MEM_CTR_LOST_FAULTS_FULL);
		return;
	}
	count(MEM_CTR_FAULTS_RECORDED);
}

static __always_inline int fault(struct bpf_perf_event_data *ctx, __u32 major)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct mem_fault_key key = {};
	__u64 period = ctx->sample_period;
	struct ss_stacks *st;

	count(MEM_CTR_FAULTS_SEEN);
	if (tgid == 0 || !ss_wanted_current())
		return 0;
	count(MEM_CTR_FAULTS_ACCEPTED);
	st = ss_capture_stacks(ctx);
	if (!st) {
		count(MEM_CTR_LOST_OTHER);
		return 0;
	}
	key.tgid = tgid;
	key.tid = tid;
	key.user_stack = st->user_hash;
	key.kernel_stack = st->kernel_hash;
	key.major = major;
	ss_announce_current(tgid, tid);
	if (ss_active_slot_now())
		record_fault(&faults_1, &stacks_1, &key, st, period ? period : 1);
	else
		record_fault(&faults_0, &stacks_0, &key, st, period ? period : 1);
	if (major && stream_major)
		stream(MEM_REC_MAJOR_FAULT, bpf_ktime_get_ns(), 0, ctx->addr, 0, &st->user);
	return 0;
}

SEC("perf_event")
int fault_minor(struct bpf_perf_event_data *ctx)
{
	return fault(ctx, 0);
}

SEC("perf_event")
int fault_major(struct bpf_perf_event_data *ctx)
{
	return fault(ctx, 1);
}

/* --- stalls ---------------------------------------------------------------------------------- */

static __always_inline void stall_begin(__u32 kind, __u64 order)
{
	__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff) << 8 | kind;
	struct stall_start start = { .start_ns = bpf_ktime_get_ns(), .order = order };

	if (!ss_wanted_current())
		return;
	if (bpf_map_update_elem(&stall_starts, &key, &start, BPF_ANY))
		count(MEM_CTR_LOST_STALL_STARTS);
}

static __always_inline void stall_end(void *ctx, __u32 kind, __u32 rec_kind, __u64 result)
{
	__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff) << 8 | kind, now = bpf_ktime_get_ns(), ns;
	struct stall_start *start = bpf_map_lookup_elem(&stall_starts, &key);
	struct mem_stall_total *total;
	struct ss_stacks *st;
	__u64 begun, order;

	if (!start)
		return;
	begun = start->start_ns;
	order = start->order;
	bpf_map_delete_elem(&stall_starts, &key);
	if (now <= begun)
		return;
	ns = now - begun;
	total = bpf_map_lookup_elem(&stall_totals, &kind);
	if (total) {
		__sync_fetch_and_add(&total->count, 1);
		__sync_fetch_and_add(&total->total_ns, ns);
	}
	count(MEM_CTR_STALLS);
	/* The thread is still in the allocation that stalled: its user stack says where. */
	st = ss_capture_stacks_skip(ctx, SS_TRACEPOINT_SKIP);
	stream(rec_kind, begun, ns, result, order, st ? &st->user : NULL);
}

/* The programs read no pointer argument, so one body serves tp_btf and raw_tp. */
#define STALL_PROGRAMS(sec, suffix)                                                                          \
	SEC(sec "/mm_vmscan_direct_reclaim_begin")                                                           \
	int BPF_PROG(direct_reclaim_begin_##suffix, int order)                                               \
	{                                                                                                    \
		stall_begin(MEM_STALL_DIRECT_RECLAIM, order);                                                \
		return 0;                                                                                    \
	}                                                                                                    \
	SEC(sec "/mm_vmscan_direct_reclaim_end")                                                             \
	int BPF_PROG(direct_reclaim_end_##suffix, unsigned long nr_reclaimed)                                \
	{                                                                                                    \
		stall_end(ctx, MEM_STALL_DIRECT_RECLAIM, MEM_REC_DIRECT_RECLAIM, nr_reclaimed);              \
		return 0;                                                                                    \
	}                                                                                                    \
	SEC(sec "/mm_vmscan_memcg_reclaim_begin")                                                            \
	int BPF_PROG(memcg_reclaim_begin_##suffix, int order)                                                \
	{                                                                                                    \
		stall_begin(MEM_STALL_MEMCG_RECLAIM, order);                                                 \
		return 0;                                                                                    \
	}                                                                                                    \
	SEC(sec "/mm_vmscan_memcg_reclaim_end")                                                              \
	int BPF_PROG(memcg_reclaim_end_##suffix, unsigned long nr_reclaimed)                                 \
	{                                                                                                    \
		stall_end(ctx, MEM_STALL_MEMCG_RECLAIM, MEM_REC_MEMCG_RECLAIM, nr_reclaimed);                \
		return 0;                                                                                    \
	}

STALL_PROGRAMS("tp_btf", btf)
STALL_PROGRAMS("raw_tp", raw)

/* Compaction exists only with CONFIG_COMPACTION: raw_tp programs load without the tracepoint, and
 * user space attaches them only where it exists. */
SEC("raw_tp/mm_compaction_begin")
int BPF_PROG(compaction_begin, void *cc)
{
	stall_begin(MEM_STALL_COMPACTION, 0);
	return 0;
}

SEC("raw_tp/mm_compaction_end")
int BPF_PROG(compaction_end, void *cc, unsigned long zone_start, unsigned long zone_end, bool sync, int status)
{
	stall_end(ctx, MEM_STALL_COMPACTION, MEM_REC_COMPACTION, (__u64)(__s64)status);
	return 0;
}

/* --- OOM ------------------------------------------------------------------------------------- */

/* Pages are unlimited from here (PAGE_COUNTER_MAX is LONG_MAX / PAGE_SIZE). */
#define MEM_UNLIMITED_PAGES (1ULL << 50)
#define MEM_CGROUP_LEVELS 16

static __always_inline __u64 rss(struct mm_struct *mm, int member)
{
	__s64 pages = BPF_CORE_READ(mm, rss_stat[member].count);

	return pages > 0 ? pages : 0;
}

/* Reads through CO-RE only (rare event): the same body serves tp_btf and raw_tp. */
static __always_inline void victim(struct task_struct *task, __u32 uid, bool wanted)
{
	int memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;
	struct mm_struct *mm;
	struct mem_oom *e;
	__u32 i;

	count(MEM_CTR_OOM_KILLS);
	if (!wanted)
		return;
	e = SS_RESERVE(&ooms, struct mem_oom);
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->timestamp_ns = bpf_ktime_get_ns();
	e->victim_tgid = BPF_CORE_READ(task, tgid);
	e->trigger_tgid = bpf_get_current_pid_tgid() >> 32;
	e->uid = uid;
	e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), task->comm);
	mm = BPF_CORE_READ(task, mm);
	if (mm) {
		e->total_vm_pages = BPF_CORE_READ(mm, total_vm);
		/* enum: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
		e->file_rss_pages = rss(mm, 0);
		e->anon_rss_pages = rss(mm, 1);
		e->shmem_rss_pages = rss(mm, 3);
	}
	if (memory_id >= 0 && memory_id < 12)
		bpf_probe_read_kernel(&css, sizeof(css), (void *)BPF_CORE_READ(task, cgroups) + bpf_core_field_offset(struct css_set, subsys) + memory_id * sizeof(void *));
	if (css)
		e->memcg_id = BPF_CORE_READ(css, cgroup, kn, id);
	/* The css is the first member of struct mem_cgroup. */
	for (i = 0; i < MEM_CGROUP_LEVELS && css; i++) {
		struct mem_cgroup *memcg = (struct mem_cgroup *)css;
		__u64 max = BPF_CORE_READ(memcg, memory.max);

		if (max < MEM_UNLIMITED_PAGES) {
			e->limit_memcg_id = BPF_CORE_READ(css, cgroup, kn, id);
			e->limit_pages = max;
			e->limit_usage_pages = BPF_CORE_READ(memcg, memory.usage.counter);
			break;
		}
		css = BPF_CORE_READ(css, parent);
	}
	ss_submit(&ooms, e);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim_btf, struct task_struct *task, __u32 uid)
{
	victim(task, uid, ss_wanted_task(task));
	return 0;
}

/* The victim is not the current task and not a BTF pointer here: only the filter's pids can be
 * matched; a name or cgroup filter lets it through. */
static __always_inline bool wanted_raw(__u32 tgid)
{
	const struct ss_filter_config *cfg;
	__u32 zero = 0;
	__u8 *bits;

	cfg = bpf_map_lookup_elem(&ss_filter, &zero);
	if (!cfg || (tgid == cfg->agent_tgid && !cfg->include_agent))
		return false;
	if (!(cfg->flags & SS_FILTER_PIDS))
		return true;
	bits = bpf_map_lookup_elem(&ss_filter_tgids, &tgid);
	return bits && (*bits & (1 << (cfg->pid_generation & 1)));
}

SEC("raw_tp/mark_victim")
int BPF_PROG(mark_victim_raw, struct task_struct *task, __u32 uid)
{
	victim(task, uid, wanted_raw(BPF_CORE_READ(task, tgid)));
	return 0;
}
