// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The maps every object of a session shares (kit/filter.h: the filter; kit/process.h: the process
 * lifecycle ring buffer and the processes already announced). User space loads this object once per
 * session, first, and hands its maps to every source's object before that object loads
 * (bpf_map__reuse_fd), so all of them filter by the same maps and announce into the same ring.
 * It has no programs: the definitions live in the kit headers, so they cannot drift apart.
 */
#include "kit/kit.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
