// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unwind maps (kit/unwind.h), created once for the whole agent and handed to every object of
 * every session before it loads (bpf_map__reuse_fd), so that a file's table is built and loaded once
 * however many processes map it and however many sessions sample them. No programs.
 */
#include "kit/kit.h"
#include "kit/unwind.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* libbpf sizes the inner map template from its value type, which must be complete in this object's
 * BTF; nothing else here uses the row type, so a global of it puts it there. */
struct ss_unwind_row ss_unwind_row_layout;
