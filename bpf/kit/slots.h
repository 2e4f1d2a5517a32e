/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Double-buffered maps: programs write the pair of maps of the active slot while user space drains
 * the other, quiet one, so it never reads a map the kernel is writing. User space flips
 * ss_active_slot once per window, waits for programs still writing the old slot (they run for
 * microseconds), then drains it.
 *
 *   if (ss_active_slot()) record(&counts_1, ...); else record(&counts_0, ...);
 */
#ifndef SS_KIT_SLOTS_H
#define SS_KIT_SLOTS_H

#include "kit/common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32); /* 0 or 1 */
} ss_active_slot SEC(".maps");

static __always_inline __u32 ss_active_slot_now(void)
{
	__u32 zero = 0, *slot = bpf_map_lookup_elem(&ss_active_slot, &zero);

	return slot ? *slot & 1 : 0;
}

#endif
