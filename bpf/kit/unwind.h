/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User stacks walked with unwind tables built from .eh_frame / .debug_frame (x86_64), so that code
 * built without frame pointers (glibc, most distribution binaries, release builds) keeps its callers.
 * Included by kit/stacks.h; sources do not use it directly.
 *
 * User space (src/SystemScope.Sources/Unwind) turns each mapped file's CFI into rows sorted by
 * address — "from this address on: CFA = RSP|RBP + offset, the caller's RBP saved at CFA + k" — and
 * loads them into maps shared by every object of every session:
 *
 *   ss_unwind_processes  tgid -> its executable mappings, sorted: [start, end), bias, file id
 *   ss_unwind_tables     file id -> an array of rows (row 0 holds the row count), one per file,
 *                        shared by every process that maps the file
 *   ss_unwind_requests   tgid -> when BPF asked user space to (re)load the process: a process seen
 *                        for the first time, or a return address in no known mapping (dlopen, exec)
 *
 * The walk runs in a bpf_loop callback, one frame per iteration, from the task's user registers. A
 * mapping without a table (file id 0: JIT code, the vDSO, a file without CFI) or an address no row
 * covers is stepped with the frame pointer. The walk stops cleanly at an outermost frame (undefined
 * return address, a zero return address, RBP 0 under frame pointers), and stops as broken at a
 * return address outside every executable mapping, a non-canonical address, a CFA that does not
 * grow towards the caller (a frame-pointer chain may change stacks, as Go's does, but must move),
 * or memory that cannot be read: no frame is ever emitted for what is not code. A process without tables yet is walked by the kernel's frame-pointer walker.
 */
#ifndef SS_KIT_UNWIND_H
#define SS_KIT_UNWIND_H

#include "kit/common.h"
#include "kit/counters.h"

#define SS_UNWIND_MAX_MAPPINGS 256
#ifndef SS_UNWIND_MAPPING_STEPS
#define SS_UNWIND_MAPPING_STEPS 9 /* binary search over SS_UNWIND_MAX_MAPPINGS */
#endif
#ifndef SS_UNWIND_ROW_STEPS
#define SS_UNWIND_ROW_STEPS 24    /* binary search over at most 2^24 rows per file */
#endif
#define SS_USER_ADDRESS_LIMIT 0x0000800000000000ULL

/* How a row finds the caller's frame. Same values as SystemScope.Symbols.Unwind.UnwindRule. */
enum ss_unwind_rule {
	SS_UNWIND_FRAME_POINTER = 0, /* no usable rule: step with RBP */
	SS_UNWIND_CFA_RSP = 1,       /* CFA = RSP + cfa_offset */
	SS_UNWIND_CFA_RBP = 2,       /* CFA = RBP + cfa_offset */
	SS_UNWIND_PLT = 3,           /* a PLT stub: CFA = RSP + 8, + 8 more after its push */
	SS_UNWIND_SIGNAL = 4,        /* the signal return trampoline: registers in the rt_sigframe at RSP */
	SS_UNWIND_END = 5,           /* undefined return address: the outermost frame */
};

/* One row of a file's table: from ELF virtual address pc on (until the next row). 8 bytes. */
struct ss_unwind_row {
	__u32 pc;
	__u16 cfa_offset;
	__u8 rule;       /* enum ss_unwind_rule */
	__s8 rbp_offset; /* the caller's RBP at CFA + 8 * rbp_offset; 0: RBP unchanged */
};

/* An executable mapping of a process: an address a in [start, end) is ELF address a - bias. 32 bytes. */
struct ss_unwind_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u64 file_id; /* key in ss_unwind_tables; 0: no table, walk with frame pointers */
};

/* A process's executable mappings, sorted by start. */
struct ss_unwind_process {
	__u32 count;
	__u32 _pad;
	struct ss_unwind_mapping mappings[SS_UNWIND_MAX_MAPPINGS];
};

/* How a walk ended. */
enum ss_unwind_outcome {
	SS_WALK_RUNNING = 0,
	SS_WALK_COMPLETE,  /* reached the outermost frame */
	SS_WALK_TRUNCATED, /* hit the depth limit */
	SS_WALK_BROKEN,    /* stopped at something that is not a frame */
};

/* The walk in progress, in the per-CPU scratch next to the stack it fills. */
struct ss_unwind_walk {
	__u64 pc;
	__u64 sp;
	__u64 bp;
	__u32 tgid;
	__u32 max;
	__u8 return_address; /* pc is a return address: look it up at pc - 1 */
	__u8 outcome;        /* enum ss_unwind_outcome */
	__u8 used_tables;
	__u8 _pad[5];
	__u32 lo; /* bounds of the binary search in progress */
	__u32 hi;
	struct ss_unwind_row row; /* the rule of the frame being stepped */
};

/* Unwind settings. User space sets them before load. */
enum ss_unwind_mode {
	SS_UNWIND_MODE_FRAME_POINTERS = 0, /* the kernel's frame-pointer walker only */
	SS_UNWIND_MODE_TABLES = 1,         /* unwind tables where loaded, frame pointers elsewhere */
};
const volatile __u32 ss_unwind_mode = SS_UNWIND_MODE_TABLES;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ss_unwind_process);
} ss_unwind_processes SEC(".maps");

/* Rows of one file. BPF_F_INNER_MAP: each file's array has its own length; BPF_F_MMAPABLE: user
 * space writes the rows in one copy (SystemScope.Bpf.BpfArray makes them with exactly these flags). */
struct ss_unwind_rows {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ss_unwind_row);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__array(values, struct ss_unwind_rows);
} ss_unwind_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} ss_unwind_requests SEC(".maps");

SS_BTF_STRUCT(ss_unwind_process)

/* Asks user space to (re)load the process's mappings; one pending request per process. */
static __always_inline void ss__unwind_request(__u32 tgid)
{
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&ss_unwind_requests, &tgid, &now, BPF_NOEXIST);
}

/*
 * The binary searches keep their bounds in the walk state (map memory), not in registers: the
 * verifier then sees unknown bounds at every step instead of tracking both outcomes of every
 * comparison precisely, which multiplies the states it explores by two per step.
 */

/* The mapping holding address, or NULL. */
static __always_inline const struct ss_unwind_mapping *ss__unwind_mapping(struct ss_unwind_walk *w, const struct ss_unwind_process *proc, __u64 address)
{
	const struct ss_unwind_mapping *m;
	__u32 step;

	w->lo = 0;
	w->hi = proc->count;
	/* The last mapping starting at or below address: lo ends as the count of starts <= address. */
	for (step = 0; step < SS_UNWIND_MAPPING_STEPS; step++) {
		__u32 lo = SS_READ_ONCE(w->lo), hi = SS_READ_ONCE(w->hi), mid;

		if (hi > SS_UNWIND_MAX_MAPPINGS)
			hi = SS_UNWIND_MAX_MAPPINGS;
		if (lo >= hi)
			break;
		mid = (lo + hi) / 2;
		if (proc->mappings[mid & (SS_UNWIND_MAX_MAPPINGS - 1)].start <= address)
			w->lo = mid + 1;
		else
			w->hi = mid;
	}
	step = SS_READ_ONCE(w->lo);
	if (step == 0 || step > SS_UNWIND_MAX_MAPPINGS)
		return NULL;
	m = &proc->mappings[(step - 1) & (SS_UNWIND_MAX_MAPPINGS - 1)];
	return address < m->end ? m : NULL;
}

/* The row covering ELF address pc in the file's table, copied into *row; false when none does. */
static __always_inline bool ss__unwind_row(struct ss_unwind_walk *w, __u64 file_id, __u64 pc, struct ss_unwind_row *row)
{
	void *rows = bpf_map_lookup_elem(&ss_unwind_tables, &file_id);
	const struct ss_unwind_row *r;
	__u32 step, key = 0;

	if (!rows || pc >= 0x100000000ULL)
		return false;
	r = bpf_map_lookup_elem(rows, &key);
	if (!r)
		return false;
	/* Row 0 holds the count; rows are 1..count. lo ends as one past the last row starting at or below pc. */
	w->lo = 1;
	w->hi = r->pc + 1;
	for (step = 0; step < SS_UNWIND_ROW_STEPS; step++) {
		__u32 lo = SS_READ_ONCE(w->lo), hi = SS_READ_ONCE(w->hi);

		if (lo >= hi)
			break;
		key = (lo + hi) / 2;
		r = bpf_map_lookup_elem(rows, &key);
		if (!r)
			return false;
		if (r->pc <= pc)
			w->lo = key + 1;
		else
			w->hi = key;
	}
	key = SS_READ_ONCE(w->lo) - 1;
	if (key == 0)
		return false;
	r = bpf_map_lookup_elem(rows, &key);
	if (!r)
		return false;
	*row = *r;
	return true;
}

static __always_inline bool ss__read_user(__u64 *value, __u64 address)
{
	return bpf_probe_read_user(value, sizeof(*value), (const void *)address) == 0;
}

/*
 * One frame: emit the current pc, then find the caller's pc, sp and bp. Returns 1 to stop the loop.
 * Registers follow the x86_64 psABI (the return address at CFA - 8); an arm64 walk would add LR and
 * x29 here and read the same tables.
 */
static __always_inline long ss__unwind_frame(struct ss_stack *stack, struct ss_unwind_walk *w)
{
	const struct ss_unwind_process *proc;
	const struct ss_unwind_mapping *m;
	struct ss_unwind_row *row = &w->row;
	__u64 lookup, cfa, ra = 0, bp = w->bp, sp;
	__u32 len = stack->len;

	if (len >= w->max || len >= SS_MAX_STACK_DEPTH) {
		w->outcome = SS_WALK_TRUNCATED;
		return 1;
	}
	proc = bpf_map_lookup_elem(&ss_unwind_processes, &w->tgid);
	if (!proc) {
		w->outcome = SS_WALK_BROKEN;
		return 1;
	}
	lookup = w->return_address ? w->pc - 1 : w->pc;
	m = ss__unwind_mapping(w, proc, lookup);
	if (!m) {
		/* Not code we know of: a library loaded since, or not a return address at all. The
		 * interrupted pc itself is code whatever the tables say: keep it and step by RBP. */
		ss__unwind_request(w->tgid);
		if (len > 0) {
			w->outcome = SS_WALK_BROKEN;
			return 1;
		}
	}
	stack->ips[len] = w->pc;
	stack->len = len + 1;

	if (m && m->file_id && ss__unwind_row(w, m->file_id, lookup - m->bias, row))
		w->used_tables = 1;
	else
		row->rule = SS_UNWIND_FRAME_POINTER;

	switch (row->rule) {
	case SS_UNWIND_END:
		w->outcome = SS_WALK_COMPLETE;
		return 1;
	case SS_UNWIND_SIGNAL:
		/* rt_sigframe: the ucontext at RSP, its mcontext 40 bytes in; rbp, rsp, rip at 80, 120, 128. */
		if (!ss__read_user(&bp, w->sp + 120) || !ss__read_user(&sp, w->sp + 160) || !ss__read_user(&ra, w->sp + 168)) {
			w->outcome = SS_WALK_BROKEN;
			return 1;
		}
		if (ra == 0 || ra >= SS_USER_ADDRESS_LIMIT) {
			w->outcome = SS_WALK_BROKEN;
			return 1;
		}
		/* The interrupted pc is exact, not a return address. */
		w->pc = ra;
		w->sp = sp;
		w->bp = bp;
		w->return_address = 0;
		return 0;
	case SS_UNWIND_CFA_RSP:
		cfa = w->sp + row->cfa_offset;
		break;
	case SS_UNWIND_CFA_RBP:
		cfa = w->bp + row->cfa_offset;
		break;
	case SS_UNWIND_PLT:
		cfa = w->sp + 8 + ((w->pc & 15) >= 11 ? 8 : 0);
		break;
	default:
		/* Frame pointers: [rbp] is the caller's rbp, [rbp + 8] the return address. The chain may
		 * lead to another stack (Go's systemstack back to the goroutine's, a signal stack), so
		 * it need not go upwards; a chain that does not move at all is a loop. */
		if (w->bp == 0) {
			w->outcome = SS_WALK_COMPLETE;
			return 1;
		}
		cfa = w->bp + 16;
		row->rule = SS_UNWIND_FRAME_POINTER;
		row->rbp_offset = -2;
		break;
	}

	if (!ss__read_user(&ra, cfa - 8) || (row->rbp_offset && !ss__read_user(&bp, cfa + (__s64)row->rbp_offset * 8))) {
		w->outcome = SS_WALK_BROKEN;
		return 1;
	}
	if (ra == 0) {
		w->outcome = SS_WALK_COMPLETE;
		return 1;
	}
	/* With unwind rules the caller's frame lies above this one; anything else is a loop or garbage. */
	if (ra >= SS_USER_ADDRESS_LIMIT || (row->rule != SS_UNWIND_FRAME_POINTER ? cfa <= w->sp : bp == w->bp)) {
		w->outcome = SS_WALK_BROKEN;
		return 1;
	}
	w->pc = ra;
	w->sp = cfa;
	w->bp = bp;
	w->return_address = 1;
	return 0;
}

#endif
