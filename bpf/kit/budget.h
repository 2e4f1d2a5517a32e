/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU, per-second budgets for records streamed one by one (timeline spans, slow calls, samples
 * as ticks): a burst cannot flood the ring buffer or the reader; what goes over is counted by the
 * caller, so the timeline can say what it does not show.
 *
 *   SS_BUDGET(span_budgets);
 *   if (!ss_budget_take(&span_budgets, span_cap_per_cpu, now)) { count(MY_CTR_SPANS_CAPPED); return; }
 */
#ifndef SS_KIT_BUDGET_H
#define SS_KIT_BUDGET_H

#include "kit/common.h"

struct ss_budget {
	__u64 second; /* the second (of bpf_ktime_get_ns) the count is for */
	__u32 sent;
	__u32 _pad;
};

#define SS_BUDGET(name)                                  \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, 1);                  \
		__type(key, __u32);                      \
		__type(value, struct ss_budget);         \
	} name SEC(".maps")

/* Takes one record from this CPU's budget for the second of now; false when it is spent. */
static __always_inline bool ss_budget_take(void *budgets, __u32 per_second, __u64 now)
{
	__u32 zero = 0;
	struct ss_budget *budget = bpf_map_lookup_elem(budgets, &zero);
	__u64 second = now / 1000000000ULL;

	if (!budget)
		return false;
	if (budget->second != second) {
		budget->second = second;
		budget->sent = 0;
	}
	if (budget->sent >= per_second)
		return false;
	budget->sent++;
	return true;
}

#endif
