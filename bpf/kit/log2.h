/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bucket of a log2 histogram as every source's histograms fill them (and as C#'s Log2Scale reads
 * them): bucket 0 = [0, 1), bucket k = [2^(k-1), 2^k), the last one open-ended.
 */
#ifndef SS_KIT_LOG2_H
#define SS_KIT_LOG2_H

#include "kit/common.h"

static __always_inline __u32 ss_log2_bucket(__u64 value, __u32 buckets)
{
	__u32 k = 0;

	if (value == 0)
		return 0;
	/* 1 + floor(log2(value)): [1,2) → 1, [2,4) → 2 … */
	if (value >> 32) { value >>= 32; k += 32; }
	if (value >> 16) { value >>= 16; k += 16; }
	if (value >> 8) { value >>= 8; k += 8; }
	if (value >> 4) { value >>= 4; k += 4; }
	if (value >> 2) { value >>= 2; k += 2; }
	if (value >> 1) { k += 1; }
	k += 1;
	return k < buckets ? k : buckets - 1;
}

#endif
