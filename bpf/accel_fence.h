/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between accel_fence.bpf.c and the C# source (Sources/Accel/FenceSchema.cs mirrors every
 * struct; layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_ACCEL_FENCE_H
#define SYSTEMSCOPE_ACCEL_FENCE_H

#define ACCEL_NAME_LEN 32

enum accel_fence_counter {
	ACCEL_CTR_EMITTED = 0,        /* dma_fence_emit seen for a wanted process */
	ACCEL_CTR_SIGNALED,           /* dma_fence_signaled seen (any fence) */
	ACCEL_CTR_JOBS,               /* emit→signaled pairs streamed as jobs */
	ACCEL_CTR_SIGNALED_UNKNOWN,   /* signaled without a kept emit (emitted before attach, unwanted, or software fences) */
	ACCEL_CTR_LOST_STARTS_FULL,   /* emits that could not be kept (table full) */
	ACCEL_CTR_MAX,
};

/* An emitted fence waiting for its signal: who emitted it and when. */
struct accel_fence_start {
	__u64 emit_ns;
	__u32 tgid;
	__u32 tid;
	char comm[16];
};

/* Record of the jobs ring: one fence from emit to signaled, on its driver's timeline. 112 bytes. */
struct accel_fence_job {
	__u64 emit_ns;     /* CLOCK_MONOTONIC */
	__u64 signaled_ns;
	__u32 context;     /* the fence context: one per ring / timeline */
	__u32 seqno;
	__u32 tgid;        /* the emitting task */
	__u32 tid;
	char comm[16];
	char driver[ACCEL_NAME_LEN];
	char timeline[ACCEL_NAME_LEN];
};

#endif
