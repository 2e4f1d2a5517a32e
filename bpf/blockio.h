/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between blockio.bpf.c and the C# source (Sources/BlockIo/BlockIoSchema.cs mirrors every
 * struct; layouts are checked against the object's BTF at load, counter names are read from it).
 */
#ifndef SYSTEMSCOPE_BLOCKIO_H
#define SYSTEMSCOPE_BLOCKIO_H

/* log2 µs buckets: [0,1), [1,2), [2,4) … the last one open-ended (≥ 2^25 µs ≈ 34 s). */
#define BLOCKIO_LATENCY_BUCKETS 27
/* log2 byte buckets: [0,1), [1,2) … [2^29, 2^30), the last one open-ended. */
#define BLOCKIO_SIZE_BUCKETS 32

/* What a request does, from its REQ_OP. */
enum blockio_op {
	BLOCKIO_OP_READ = 0,
	BLOCKIO_OP_WRITE = 1,
	BLOCKIO_OP_FLUSH = 2,
	BLOCKIO_OP_DISCARD = 3,  /* discard, secure erase, write zeroes */
	BLOCKIO_OP_OTHER = 4,    /* zone management, driver-private */
};

/* Key of the stats_N maps: one device, process, cgroup and operation. 24 bytes. */
struct blockio_key {
	__u32 dev;      /* the kernel's dev_t (major << 20 | minor): the partition when known, else the disk */
	__u32 tgid;     /* the process that submitted the request */
	__u64 cgroup;   /* cgroup v2 id of the request's bio (the dirtier's for writeback), else the submitter's */
	__u32 op;       /* enum blockio_op */
	__u32 _pad;
};

/* Value of the stats_N maps: requests completed in a window, with their latency split and sizes. */
struct blockio_stats {
	__u64 count;
	__u64 bytes;          /* completed bytes (the sum of block_rq_complete's nr_bytes) */
	__u64 sequential;     /* issued at the sector where the device's previous request ended */
	__u64 errors;         /* completed with an error status */
	__u64 total_sum_ns;   /* queue + device */
	__u64 queue_sum_ns;   /* insert (or accounting start) → issue */
	__u64 device_sum_ns;  /* issue → completion */
	__u64 total_max_ns;
	__u64 queue_max_ns;
	__u64 device_max_ns;
	__u64 total[BLOCKIO_LATENCY_BUCKETS];
	__u64 queue[BLOCKIO_LATENCY_BUCKETS];
	__u64 device[BLOCKIO_LATENCY_BUCKETS];
	__u64 size[BLOCKIO_SIZE_BUCKETS];
	char comm[16];        /* the process's (group leader's) name at its first request */
};

/* A request in flight, by request pointer, from its first sighting to its completion. 128 bytes. */
struct blockio_request {
	__u64 start_ns;       /* block_io_start (0: not seen) */
	__u64 insert_ns;      /* block_rq_insert (0: not seen: no elevator, or issued directly) */
	__u64 issue_ns;       /* block_rq_issue, the latest when requeued (0: not issued yet) */
	__u64 cgroup;
	__u64 sector;         /* at issue */
	__u64 user_stack;     /* hashes in the stacks map (0: none) */
	__u64 kernel_stack;
	__u64 done_bytes;     /* completed so far (partial completions add up) */
	__u32 bytes;          /* at issue */
	__u32 tgid;
	__u32 tid;
	__u32 dev;
	__u32 disk;           /* the whole disk's dev_t: sequential detection is per disk */
	__u32 op;
	__u32 sequential;
	__u32 _pad;
	char comm[16];        /* the submitting thread */
	char process[16];     /* its group leader */
};

/* Record of the slow ring buffer: a request that took at least slow_ns from queue to completion. 88 bytes. */
struct blockio_slow {
	__u64 start_ns;       /* when it was queued (insert, else accounting start, else issue) */
	__u64 queue_ns;
	__u64 device_ns;
	__u64 sector;
	__u64 user_stack;
	__u64 kernel_stack;
	__u32 bytes;
	__u32 dev;
	__u32 tgid;
	__u32 tid;
	__u32 op;
	__s32 error;          /* the completion's blk_status_t (0: ok) */
	char comm[16];
};

enum blockio_counter {
	BLOCKIO_CTR_REQUESTS_SEEN = 0,   /* requests first seen (io_start, insert or issue) and wanted */
	BLOCKIO_CTR_COMPLETED,           /* requests completed and counted */
	BLOCKIO_CTR_PARTIAL,             /* partial completions (a request completed in pieces) */
	BLOCKIO_CTR_NOT_TRACKED,         /* completions of requests not seen before (in flight at start, filtered) */
	BLOCKIO_CTR_NEGATIVE,            /* latencies dropped: a stamp after the completion (a recycled request) */
	BLOCKIO_CTR_SLOW,                /* slow requests streamed */
	BLOCKIO_CTR_SLOW_CAPPED,         /* slow requests not streamed: over the per-second cap */
	BLOCKIO_CTR_LOST_INFLIGHT_FULL,  /* in-flight map full: a request not measured */
	BLOCKIO_CTR_LOST_STATS_FULL,     /* stats map full: a completion not counted */
	BLOCKIO_CTR_LOST_STACKS_FULL,    /* stacks map full: a request kept without its stacks */
	BLOCKIO_CTR_MAX,
};

#endif
