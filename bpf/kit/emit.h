/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ring buffer records with batched wakeups. Waking the reader for every record makes its own
 * wakeups (context switches) the dominant event; instead a record wakes it only when the ring holds
 * ss_wakeup_threshold bytes, and otherwise the reader finds records on its timed poll.
 *
 *   struct my_event *e = SS_RESERVE(&events, struct my_event);
 *   if (!e) return 0;          // counted as lost.records
 *   ...fill...
 *   ss_submit(&events, e);
 */
#ifndef SS_KIT_EMIT_H
#define SS_KIT_EMIT_H

#include "kit/common.h"
#include "kit/counters.h"

/* Pending bytes before a record wakes the reader. User space sets it before load. */
const volatile __u64 ss_wakeup_threshold = 64 * 1024;

static __always_inline void *ss__reserved(void *record)
{
	if (!record)
		ss_kit_count(SS_CTR_LOST_RECORDS);
	return record;
}

/* Reserves a record of a fixed type; NULL (and counted) when the ring is full. */
#define SS_RESERVE(ring, type) ((type *)ss__reserved(bpf_ringbuf_reserve(ring, sizeof(type), 0)))

static __always_inline void ss_submit(void *ring, void *record)
{
	__u64 flags = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= ss_wakeup_threshold ? BPF_RB_FORCE_WAKEUP
											     : BPF_RB_NO_WAKEUP;

	bpf_ringbuf_submit(record, flags);
	ss_kit_count(SS_CTR_RECORDS);
}

#endif
