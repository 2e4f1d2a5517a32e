/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF source kit: what every object of a session includes. Opt-in parts: kit/stacks.h (stack
 * capture), kit/slots.h (double-buffered maps), kit/task_scratch.h (per-task storage).
 * docs/architecture.md, "Writing a kernel source with the BPF kit", says how the pieces fit.
 */
#ifndef SS_KIT_H
#define SS_KIT_H

#include "kit/common.h"
#include "kit/counters.h"
#include "kit/filter.h"
#include "kit/emit.h"
#include "kit/process.h"

#endif
