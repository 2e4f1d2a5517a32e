// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block I/O as biolatency, biosnoop and biopattern see it, in one object:
 *
 * - block_io_start (6.5+, accounting start) and block_rq_insert run in the submitter's context: the
 *   first of them (or block_rq_issue, for a request neither saw) checks the session's filter there
 *   and keeps the submitter (pid, tid, names, cgroup, optionally its stacks) by request pointer in
 *   inflight, since the completion runs in interrupt context where "current" is anyone;
 * - block_rq_issue stamps the hand-over to the driver and whether the request starts where the
 *   disk's previous one ended (sequential);
 * - block_rq_complete may fire once per partial completion: bytes add up by nr_bytes, and the
 *   request ends when a completion covers what is left of it (nr_bytes ≥ __data_len); block_io_done
 *   ends one that is still there. Its latency goes, split into queue time (insert, else accounting
 *   start, → issue) and device time (issue → completion), into log2 histograms per device, process,
 *   cgroup and operation (stats_N, double-buffered), and a slow one into the slow ring buffer.
 *
 * Requests are recycled: the entry is deleted at completion, a new life starts at block_io_start, and a
 * negative delta (a stamp from an earlier life) is dropped and counted.
 */
#include "kit/kit.h"
#include "kit/log2.h"
#include "kit/budget.h"
#include "kit/slots.h"
#include "kit/stacks.h"
#include "blockio.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 slow_ns = 10 * 1000 * 1000;
const volatile __u32 slow_cap_per_cpu = 200; /* slow requests streamed per second per CPU */
const volatile bool capture_stacks = false;
const volatile bool filter_devices = false;   /* only the devices in wanted_devices */

SS_COUNTERS(blockio_counter, BLOCKIO_CTR_MAX);
SS_BTF_STRUCT(blockio_key)
SS_BTF_STRUCT(blockio_stats)
SS_BTF_STRUCT(blockio_request)
SS_BTF_STRUCT(blockio_slow)
SS_BTF_ENUM(blockio_op)

/* Preallocated: a ~1 KiB value is too big for the few elements the kernel keeps ready per CPU for
 * maps allocated on demand. 1024 × 2 entries cost ~2.2 MB. */
struct stats_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct blockio_key);
	__type(value, struct blockio_stats);
};

struct stats_map stats_0 SEC(".maps");
struct stats_map stats_1 SEC(".maps");

/* Requests in flight: a queue holds at most a few thousand (nr_requests × hardware queues). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct request * */
	__type(value, struct blockio_request);
} inflight SEC(".maps");

/* Per disk: the sector after the last issued request. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} next_sector SEC(".maps");

/* The devices asked for (dev_t of a disk or a partition), when filter_devices. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} wanted_devices SEC(".maps");

/* Stacks of the submitters, taken at submission (when capture_stacks); read by hash for slow requests. */
SS_STACK_MAP(stacks, 8192);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} slow SEC(".maps");

SS_BUDGET(slow_budgets);

/* A new stats entry starts from this (~1 KiB does not fit on the 512-byte BPF stack). */
struct blockio_stats zero_stats = {};

#define count(index) ss_count(&blockio_counters, index)

/* REQ_OP_* (include/linux/blk_types.h): the low 8 bits of cmd_flags. */
#define REQ_OP_BITS_MASK 0xff

/* What the programs need of a request, read once per variant (direct access in tp_btf, CO-RE in raw_tp). */
struct facts {
	__u64 sector;
	__u64 cgroup;  /* of the request's bio; 0 when it has none */
	__u32 dev;
	__u32 disk;
	__u32 bytes;
	__u32 op;
};

static __always_inline __u32 op_of(__u32 cmd_flags)
{
	switch (cmd_flags & REQ_OP_BITS_MASK) {
	case 0:
		return BLOCKIO_OP_READ;
	case 1:
		return BLOCKIO_OP_WRITE;
	case 2:
		return BLOCKIO_OP_FLUSH;
	case 3: /* discard */
	case 5: /* secure erase */
	case 9: /* write zeroes */
		return BLOCKIO_OP_DISCARD;
	default:
		return BLOCKIO_OP_OTHER;
	}
}

static __always_inline bool device_wanted(const struct facts *f)
{
	if (!filter_devices)
		return true;
	return bpf_map_lookup_elem(&wanted_devices, &f->dev) || bpf_map_lookup_elem(&wanted_devices, &f->disk);
}

/* The submitter: the current task, which the session's filter has accepted. */
static __always_inline void submitted_by_current(struct blockio_request *r, const struct facts *f, void *ctx, bool walk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct ss_stacks *st;

	r->tgid = id >> 32;
	r->tid = (__u32)id;
	r->cgroup = f->cgroup ? f->cgroup : bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_probe_read_kernel_str(r->process, sizeof(r->process), task->group_leader->comm);
	ss_announce_current(r->tgid, r->tid);
	if (!walk || !capture_stacks)
		return;
	st = ss_capture_stacks_skip(ctx, SS_TRACEPOINT_SKIP);
	if (!st)
		return;
	if (ss_store_stack(&stacks, st->user_hash, &st->user) || ss_store_stack(&stacks, st->kernel_hash, &st->kernel)) {
		count(BLOCKIO_CTR_LOST_STACKS_FULL);
		return;
	}
	r->user_stack = st->user_hash;
	r->kernel_stack = st->kernel_hash;
}

/* A request seen for the first time in this life: in the submitter's context at io_start and insert. */
static __always_inline struct blockio_request *track(__u64 key, const struct facts *f, void *ctx, bool walk)
{
	struct blockio_request fresh = {};

	if (!device_wanted(f) || !ss_wanted_current())
		return NULL;
	fresh.dev = f->dev;
	fresh.disk = f->disk;
	fresh.op = f->op;
	submitted_by_current(&fresh, f, ctx, walk);
	if (bpf_map_update_elem(&inflight, &key, &fresh, BPF_ANY)) {
		count(BLOCKIO_CTR_LOST_INFLIGHT_FULL);
		return NULL;
	}
	count(BLOCKIO_CTR_REQUESTS_SEEN);
	return bpf_map_lookup_elem(&inflight, &key);
}

static __always_inline void io_started(void *ctx, __u64 key, const struct facts *f)
{
	struct blockio_request *r;

	/* A new life of this request pointer: whatever the entry held is from an earlier one. */
	r = track(key, f, ctx, true);
	if (r)
		r->start_ns = bpf_ktime_get_ns();
	else
		bpf_map_delete_elem(&inflight, &key);
}

static __always_inline void inserted(void *ctx, __u64 key, const struct facts *f)
{
	struct blockio_request *r = bpf_map_lookup_elem(&inflight, &key);
	__u64 now = bpf_ktime_get_ns();

	if (!r) {
		r = track(key, f, ctx, true);
		if (!r)
			return;
	}
	/* Inserted again after an issue: requeued; its queue time starts again. */
	r->insert_ns = now;
	r->issue_ns = 0;
}

static __always_inline void issued(void *ctx, __u64 key, const struct facts *f)
{
	struct blockio_request *r = bpf_map_lookup_elem(&inflight, &key);
	__u64 end, *next;

	if (!r) {
		/* Neither accounted nor inserted (a flush sequence, a passthrough command): the issuer
		 * is the best guess of who asked; no stack walk in what is often a kworker. */
		r = track(key, f, ctx, false);
		if (!r)
			return;
	}
	r->issue_ns = bpf_ktime_get_ns();
	r->sector = f->sector;
	r->bytes = f->bytes;
	r->op = f->op;
	r->dev = f->dev;
	r->disk = f->disk;
	end = f->sector + (f->bytes >> 9);
	next = bpf_map_lookup_elem(&next_sector, &f->disk);
	if (next) {
		r->sequential = f->bytes && *next == f->sector;
		*next = end;
	} else {
		r->sequential = 0;
		bpf_map_update_elem(&next_sector, &f->disk, &end, BPF_ANY);
	}
}

static __always_inline struct blockio_stats *stats_of(const struct blockio_key *key, const char *comm)
{
	void *map = ss_active_slot_now() ? (void *)&stats_1 : (void *)&stats_0;
	struct blockio_stats *s = bpf_map_lookup_elem(map, key);
	long err;

	if (s)
		return s;
	err = bpf_map_update_elem(map, key, &zero_stats, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		count(BLOCKIO_CTR_LOST_STATS_FULL);
		return NULL;
	}
	s = bpf_map_lookup_elem(map, key);
	if (s && err == 0)
		bpf_probe_read_kernel(s->comm, sizeof(s->comm), comm);
	return s;
}

static __always_inline void add_max(__u64 *max, __u64 value)
{
	/* A racing larger max may be overwritten by a smaller one: exact per CPU, near enough overall. */
	if (value > *max)
		*max = value;
}

static __always_inline bool slow_allowed(__u64 now)
{
	if (ss_budget_take(&slow_budgets, slow_cap_per_cpu, now))
		return true;
	count(BLOCKIO_CTR_SLOW_CAPPED);
	return false;
}

static __always_inline void stream_slow(const struct blockio_request *r, __u64 start, __u64 queue, __u64 device, __u64 bytes, int error, __u64 now)
{
	struct blockio_slow *e;

	if (!slow_allowed(now))
		return;
	e = SS_RESERVE(&slow, struct blockio_slow);
	if (!e)
		return;
	e->start_ns = start;
	e->queue_ns = queue;
	e->device_ns = device;
	e->sector = r->sector;
	e->user_stack = r->user_stack;
	e->kernel_stack = r->kernel_stack;
	e->bytes = bytes;
	e->dev = r->dev;
	e->tgid = r->tgid;
	e->tid = r->tid;
	e->op = r->op;
	e->error = error;
	__builtin_memcpy(e->comm, r->comm, sizeof(e->comm));
	ss_submit(&slow, e);
	count(BLOCKIO_CTR_SLOW);
}

/* The request is done: count it and forget it. */
static __always_inline void finished(__u64 key, struct blockio_request *r, int error)
{
	__u64 now = bpf_ktime_get_ns(), issue = r->issue_ns, start, queue, device, total;
	struct blockio_key k = { .dev = r->dev, .tgid = r->tgid, .cgroup = r->cgroup, .op = r->op };
	struct blockio_stats *s;
	__u64 bytes = r->done_bytes;

	start = r->insert_ns ? r->insert_ns : r->start_ns;
	if (!issue) {
		/* Completed without an issue seen (attached in between): device time unknown. */
		count(BLOCKIO_CTR_NOT_TRACKED);
		goto out;
	}
	if (!start)
		start = issue;
	if (issue < start || now < issue) {
		count(BLOCKIO_CTR_NEGATIVE);
		goto out;
	}
	queue = issue - start;
	device = now - issue;
	total = now - start;
	s = stats_of(&k, r->process);
	if (s) {
		__sync_fetch_and_add(&s->count, 1);
		__sync_fetch_and_add(&s->bytes, bytes);
		if (r->sequential)
			__sync_fetch_and_add(&s->sequential, 1);
		if (error)
			__sync_fetch_and_add(&s->errors, 1);
		__sync_fetch_and_add(&s->total_sum_ns, total);
		__sync_fetch_and_add(&s->queue_sum_ns, queue);
		__sync_fetch_and_add(&s->device_sum_ns, device);
		add_max(&s->total_max_ns, total);
		add_max(&s->queue_max_ns, queue);
		add_max(&s->device_max_ns, device);
		__sync_fetch_and_add(&s->total[ss_log2_bucket(total / 1000, BLOCKIO_LATENCY_BUCKETS)], 1);
		__sync_fetch_and_add(&s->queue[ss_log2_bucket(queue / 1000, BLOCKIO_LATENCY_BUCKETS)], 1);
		__sync_fetch_and_add(&s->device[ss_log2_bucket(device / 1000, BLOCKIO_LATENCY_BUCKETS)], 1);
		__sync_fetch_and_add(&s->size[ss_log2_bucket(bytes, BLOCKIO_SIZE_BUCKETS)], 1);
	}
	count(BLOCKIO_CTR_COMPLETED);
	if (total >= slow_ns)
		stream_slow(r, start, queue, device, bytes, error, now);
out:
	bpf_map_delete_elem(&inflight, &key);
}

static __always_inline void completed(__u64 key, int error, __u32 nr_bytes, __u32 remaining)
{
	struct blockio_request *r = bpf_map_lookup_elem(&inflight, &key);

	if (!r) {
		count(BLOCKIO_CTR_NOT_TRACKED);
		return;
	}
	r->done_bytes += nr_bytes;
	/* The tracepoint fires before the bytes are taken off the request: it ends when they cover the rest. */
	if (nr_bytes < remaining) {
		count(BLOCKIO_CTR_PARTIAL);
		return;
	}
	finished(key, r, error);
}

static __always_inline void io_done(__u64 key)
{
	struct blockio_request *r = bpf_map_lookup_elem(&inflight, &key);

	/* Normally gone already: block_rq_complete ended it. One still here ended some other way. */
	if (r)
		finished(key, r, 0);
}

/* --- tp_btf: typed arguments, direct access --------------------------------------------------- */

static __always_inline void facts_btf(struct facts *f, struct request *rq)
{
	struct gendisk *disk = rq->q->disk;
	struct block_device *part = rq->part;
	struct bio *bio = rq->bio;

	f->disk = disk ? ((__u32)disk->major << 20) | (__u32)disk->first_minor : 0;
	f->dev = part ? part->bd_dev : f->disk;
	f->sector = rq->__sector;
	f->bytes = rq->__data_len;
	f->op = op_of(rq->cmd_flags);
	f->cgroup = bio && bio->bi_blkg ? bio->bi_blkg->blkcg->css.cgroup->kn->id : 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(io_start_btf, struct request *rq)
{
	struct facts f;

	facts_btf(&f, rq);
	io_started(ctx, (__u64)rq, &f);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq_insert_btf, struct request *rq)
{
	struct facts f;

	facts_btf(&f, rq);
	inserted(ctx, (__u64)rq, &f);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq_issue_btf, struct request *rq)
{
	struct facts f;

	facts_btf(&f, rq);
	issued(ctx, (__u64)rq, &f);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	completed((__u64)rq, error, nr_bytes, rq->__data_len);
	return 0;
}

SEC("tp_btf/block_io_done")
int BPF_PROG(io_done_btf, struct request *rq)
{
	io_done((__u64)rq);
	return 0;
}

/* --- raw_tp fallback: untyped pointers, CO-RE reads ------------------------------------------- */

static __always_inline void facts_raw(struct facts *f, struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct block_device *part = BPF_CORE_READ(rq, part);
	struct blkcg_gq *blkg = BPF_CORE_READ(rq, bio, bi_blkg);

	f->disk = disk ? ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor) : 0;
	f->dev = part ? BPF_CORE_READ(part, bd_dev) : f->disk;
	f->sector = BPF_CORE_READ(rq, __sector);
	f->bytes = BPF_CORE_READ(rq, __data_len);
	f->op = op_of(BPF_CORE_READ(rq, cmd_flags));
	f->cgroup = blkg ? BPF_CORE_READ(blkg, blkcg, css.cgroup, kn, id) : 0;
}

SEC("raw_tp/block_io_start")
int BPF_PROG(io_start_raw, struct request *rq)
{
	struct facts f;

	facts_raw(&f, rq);
	io_started(ctx, (__u64)rq, &f);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rq_insert_raw, struct request *rq)
{
	struct facts f;

	facts_raw(&f, rq);
	inserted(ctx, (__u64)rq, &f);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rq_issue_raw, struct request *rq)
{
	struct facts f;

	facts_raw(&f, rq);
	issued(ctx, (__u64)rq, &f);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(rq_complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	completed((__u64)rq, error, nr_bytes, BPF_CORE_READ(rq, __data_len));
	return 0;
}

SEC("raw_tp/block_io_done")
int BPF_PROG(io_done_raw, struct request *rq)
{
	io_done((__u64)rq);
	return 0;
}
