// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Device jobs from dma_fence tracepoints: a fence is emitted when a driver hands a job to a ring
 * and signaled when the device finished it, so emit→signaled is the job's time on its ring
 * (include/trace/events/dma_fence.h). Classic tp/ programs, because the tracepoint record carries
 * the driver and timeline names already formatted (a raw argument would need the fence's ops).
 *
 * - emit (the submitting task's context): kept per (context, seqno) if the task is wanted;
 * - signaled (often in an interrupt): the kept start is taken and one job record streamed.
 */
#include "kit/kit.h"
#include "accel_fence.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SS_COUNTERS(accel_fence_counter, ACCEL_CTR_MAX);
SS_BTF_STRUCT(accel_fence_start)
SS_BTF_STRUCT(accel_fence_job)

/* LRU: a fence that is never signaled (a driver that fails it without the tracepoint) cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct accel_fence_start);
} fence_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} jobs SEC(".maps");

#define count(index) ss_count(&accel_fence_counters, index)

static __always_inline __u64 fence_key(struct trace_event_raw_dma_fence *ctx)
{
	return ((__u64)ctx->context << 32) | ctx->seqno;
}

/* A __data_loc string of the record: offset in the low 16 bits, length in the high 16. */
static __always_inline void read_loc(void *ctx, __u32 loc, char *out, __u32 size)
{
	bpf_probe_read_kernel_str(out, size, (char *)ctx + (loc & 0xffff));
}

SEC("tp/dma_fence/dma_fence_emit")
int fence_emit(struct trace_event_raw_dma_fence *ctx)
{
	struct accel_fence_start start = {};
	__u64 id = bpf_get_current_pid_tgid();
	__u64 key;

	if (!ss_wanted_current())
		return 0;
	count(ACCEL_CTR_EMITTED);
	key = fence_key(ctx);
	start.emit_ns = bpf_ktime_get_ns();
	start.tgid = id >> 32;
	start.tid = (__u32)id;
	bpf_get_current_comm(start.comm, sizeof(start.comm));
	if (bpf_map_update_elem(&fence_starts, &key, &start, BPF_ANY))
		count(ACCEL_CTR_LOST_STARTS_FULL);
	return 0;
}

SEC("tp/dma_fence/dma_fence_signaled")
int fence_signaled(struct trace_event_raw_dma_fence *ctx)
{
	struct accel_fence_start *start;
	struct accel_fence_job *job;
	__u64 now = bpf_ktime_get_ns();
	__u64 key;

	count(ACCEL_CTR_SIGNALED);
	key = fence_key(ctx);
	start = bpf_map_lookup_elem(&fence_starts, &key);
	if (!start) {
		count(ACCEL_CTR_SIGNALED_UNKNOWN);
		return 0;
	}

	job = SS_RESERVE(&jobs, struct accel_fence_job);
	if (job) {
		job->emit_ns = start->emit_ns;
		job->signaled_ns = now;
		job->context = ctx->context;
		job->seqno = ctx->seqno;
		job->tgid = start->tgid;
		job->tid = start->tid;
		__builtin_memcpy(job->comm, start->comm, sizeof(job->comm));
		read_loc(ctx, ctx->__data_loc_driver, job->driver, sizeof(job->driver));
		read_loc(ctx, ctx->__data_loc_timeline, job->timeline, sizeof(job->timeline));
		ss_submit(&jobs, job);
		count(ACCEL_CTR_JOBS);
	}
	bpf_map_delete_elem(&fence_starts, &key);
	return 0;
}
