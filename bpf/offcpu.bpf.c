// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Off-CPU time with aggregation in the kernel, and who woke the thread (as offwaketime).
 *
 * sched_switch, prev (the current task): an observed thread leaving the CPU in a traced state has
 * its user and kernel stacks captured and stored, and its switch-out time kept in its task storage.
 * sched_waking (runs in the waker's context): the wakeup time and the waker (and, once the block has
 * lasted min_block_ns, the waker's stacks) are kept with the sleeper. sched_switch, next: the block
 * ends; blocked time (switch-out → wakeup) and runnable time (wakeup → switch-in) are added to
 * counts_N[{thread, state, stacks, waker, waker stacks}] (double-buffered), and a block of at least span_min_ns is also
 * streamed to the timeline (capped per second per CPU).
 *
 * Stacks must be taken at switch-out, while prev is current: nothing later can walk its user stack.
 * Per-task storage (not a tid-keyed hash) keeps the start: it dies with the task, so a reused tid
 * can never produce a block of absurd length. The raw_tp programs keep it in an LRU hash keyed by
 * tid instead (task storage needs BTF task pointers).
 */
#include "kit/kit.h"
#include "kit/budget.h"
#include "kit/stacks.h"
#include "kit/slots.h"
#include "kit/task_scratch.h"
#include "offcpu.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Settings, written by user space before load. */
const volatile __u64 min_block_ns = 1000;        /* shorter blocks are not recorded */
const volatile __u64 span_min_ns = 1000000;       /* blocks at least this long go to the timeline */
const volatile __u32 span_cap_per_cpu = 2000;     /* per second per CPU */
const volatile __u32 state_mask = (1 << OFFCPU_SLEEPING) | (1 << OFFCPU_BLOCKED); /* states recorded */
const volatile bool waker_stacks = true;
const volatile __u32 stack_reuse_max = 15;        /* stacks reused at one place between two walks, on average */

SS_COUNTERS(offcpu_counter, OFFCPU_CTR_MAX);
SS_BTF_STRUCT(offcpu_key)
SS_BTF_STRUCT(offcpu_value)
SS_BTF_STRUCT(offcpu_span)
SS_BTF_ENUM(offcpu_state)

struct count_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_value);
};

struct count_map counts_0 SEC(".maps");
struct count_map counts_1 SEC(".maps");

/* One stacks map, not a pair: a block's stacks are taken at switch-out but its count is recorded at
 * switch-in, often in the other slot. User space reads stacks by hash as counts refer to them, caches
 * them, and deletes the ones no count has referred to for a while. */
SS_STACK_MAP(stacks, 16384);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} spans SEC(".maps");

/* Where a thread left the CPU, as its user registers at kernel entry and its state say: the syscall
 * and its first argument (an fd, a futex address), the user instruction, stack and frame pointers,
 * and the two return addresses the frame pointer leads to. A thread that blocks again at the same
 * place (a loop around read(), futex_wait, epoll_wait) has, in practice, the same stacks. */
struct place {
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u64 ret[2];
	__u64 arg0;
	__u64 nr;
	__u32 state;
	__u32 reuses_left; /* 0: the next block at this place walks again */
	__u32 unstable;    /* a check found other stacks here: walk every time until the place changes */
	__u32 _pad;
};

/* A thread's block in progress. */
struct block {
	__u64 start_ns;   /* switch-out; 0: not blocked (or not observed) */
	__u64 wake_ns;    /* 0: no wakeup seen yet */
	__u64 user_stack;
	__u64 kernel_stack;
	__u64 waker_user_stack;
	__u64 waker_kernel_stack;
	__u32 state;
	__u32 waker_tgid;
	__u32 waker_tid;
	__u32 _pad;
	char waker_comm[16];
	struct place place; /* of the last walk; kept from block to block */
};

SS_TASK_SCRATCH(blocks, struct block);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct block);
} blocks_by_tid SEC(".maps");

/* Per-CPU token bucket for spans: the second it counts and how many went out in it. */
SS_BUDGET(span_budgets);

#define TASK_REPORT_MAX 0x100 /* TASK_REPORT_MAX in the kernel: "preempted" in __trace_sched_switch_state */
#define count(index) ss_count(&offcpu_counters, index)

/* prev_state as __task_state_index decodes it (see notes/scheduler.md §5). */
static __always_inline __u32 decode_state(bool preempt, unsigned int prev_state, unsigned int exit_state)
{
	unsigned int s;

	if (preempt)
		return OFFCPU_RUNNABLE;
	s = (prev_state | exit_state) & 0x7f;
	if ((prev_state & 0x402) == 0x402) /* TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD */
		return OFFCPU_OTHER;
	if (prev_state & (0x1000 | 0x8000)) /* TASK_RTLOCK_WAIT, TASK_FROZEN */
		return OFFCPU_BLOCKED;
	if (s == 0)
		return OFFCPU_RUNNABLE;
	if (s & 0x1 && !(s & ~0x1))
		return OFFCPU_SLEEPING;
	if (s & 0x2 && !(s & ~0x3))
		return OFFCPU_BLOCKED;
	return OFFCPU_OTHER;
}

static __always_inline long record(void *counts, struct offcpu_key *key, struct block *b, __u64 blocked, __u64 runnable)
{
	struct offcpu_value *value, zero = {};
	long err;

	value = bpf_map_lookup_elem(counts, key);
	if (!value) {
		err = bpf_map_update_elem(counts, key, &zero, BPF_NOEXIST);
		if (err && err != -EEXIST)
			return err;
		value = bpf_map_lookup_elem(counts, key);
		if (!value)
			return -ENOMEM;
	}
	__sync_fetch_and_add(&value->blocked_ns, blocked);
	__sync_fetch_and_add(&value->runnable_ns, runnable);
	__sync_fetch_and_add(&value->count, 1);
	if (b->waker_tid)
		__builtin_memcpy(value->waker_comm, b->waker_comm, sizeof(value->waker_comm));
	return 0;
}

static __always_inline void count_lost(long err, __u32 full)
{
	count(err == -E2BIG || err == -ENOMEM ? full : OFFCPU_CTR_LOST_COUNTS_FULL);
}

static __always_inline void stream(struct block *b, __u32 tgid, __u32 tid, __u64 blocked, __u64 runnable, __u64 now)
{
	struct offcpu_span *span;

	if (!ss_budget_take(&span_budgets, span_cap_per_cpu, now)) {
		count(OFFCPU_CTR_SPANS_CAPPED);
		return;
	}
	span = SS_RESERVE(&spans, struct offcpu_span);
	if (!span)
		return;
	span->start_ns = b->start_ns;
	span->blocked_ns = blocked;
	span->runnable_ns = runnable;
	span->tgid = tgid;
	span->tid = tid;
	span->state = b->state;
	span->waker_tgid = b->waker_tgid;
	span->waker_tid = b->waker_tid;
	span->_pad = 0;
	span->user_stack = b->user_stack;
	span->kernel_stack = b->kernel_stack;
	span->waker_user_stack = b->waker_user_stack;
	span->waker_kernel_stack = b->waker_kernel_stack;
	__builtin_memcpy(span->waker_comm, b->waker_comm, sizeof(span->waker_comm));
	ss_submit(&spans, span);
	count(OFFCPU_CTR_SPANS);
}

/* The place prev leaves the CPU at (prev is current), or false where it cannot be told: a kernel
 * thread, an architecture whose registers are not read here (then every block walks). */
static __always_inline bool place_of(struct task_struct *task, __u32 state, struct place *p)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs;
	__u64 frame[2] = {};

	if (!task || !task->mm)
		return false;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return false;
	p->ip = regs->ip;
	p->sp = regs->sp;
	p->bp = regs->bp;
	p->arg0 = regs->di;
	p->nr = regs->orig_ax;
	p->state = state;
	/* Code without frame pointers leaves anything in bp: a failed read is a value like another. */
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)regs->bp) == 0) {
		p->ret[0] = frame[1];
		if (bpf_probe_read_user(frame, sizeof(frame), (void *)frame[0]) == 0)
			p->ret[1] = frame[1];
	}
	return true;
#else
	return false;
#endif
}

static __always_inline bool same_place(const struct place *a, const struct place *b)
{
	return a->ip == b->ip && a->sp == b->sp && a->bp == b->bp && a->ret[0] == b->ret[0] && a->ret[1] == b->ret[1] &&
	       a->arg0 == b->arg0 && a->nr == b->nr && a->state == b->state;
}

/* A stack hash a count may still refer to: 0 ("no stack") or present in the stacks map (user space
 * deletes stacks nothing referred to for a while). */
static __always_inline bool stack_present(__u64 hash)
{
	return !hash || bpf_map_lookup_elem(&stacks, &hash);
}

/* Reuses between two walks at one place: stack_reuse_max on average, drawn at random so that a thread
 * alternating between stacks at one place cannot beat in step with the checks. */
static __always_inline __u32 reuses_until_check(void)
{
	return stack_reuse_max ? 1 + bpf_get_prandom_u32() % (2 * stack_reuse_max) : 0;
}

/* The switch-out half: prev is current, so its stacks can be walked. Walking costs microseconds
 * (more where the user code keeps no frame pointers and the walk follows whatever bp holds), and a
 * thread in a loop blocks at one place again and again: when prev blocks at the place of its last
 * walk (task: prev where its place can be read, else NULL), that walk's stacks are reused, and walked
 * again after a random number of reuses, which checks them. */
static __always_inline void block_starts(void *ctx, struct block *b, struct task_struct *task, __u32 state, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct place here = {};
	bool placed = stack_reuse_max && place_of(task, state, &here);
	bool same = placed && same_place(&here, &b->place);
	struct ss_stacks *st;
	long err;

	if (same && b->place.reuses_left && !b->place.unstable && stack_present(b->user_stack) && stack_present(b->kernel_stack)) {
		b->place.reuses_left--;
		count(OFFCPU_CTR_STACKS_REUSED);
	} else {
		st = ss_capture_stacks_skip(ctx, SS_TRACEPOINT_SKIP);
		if (!st) {
			b->start_ns = 0;
			return;
		}
		err = ss_store_stack(&stacks, st->user_hash, &st->user);
		if (!err)
			err = ss_store_stack(&stacks, st->kernel_hash, &st->kernel);
		if (err) {
			count_lost(err, OFFCPU_CTR_LOST_STACKS_FULL);
			b->start_ns = 0;
			b->place.reuses_left = 0;
			return;
		}
		if (same && !b->place.reuses_left && !b->place.unstable) {
			count(OFFCPU_CTR_STACKS_REUSE_CHECKED);
			if (st->user_hash != b->user_stack || st->kernel_hash != b->kernel_stack) {
				count(OFFCPU_CTR_STACKS_REUSE_DIFFERED);
				here.unstable = 1;
			}
		} else if (same) {
			here.unstable = b->place.unstable;
		}
		b->user_stack = st->user_hash;
		b->kernel_stack = st->kernel_hash;
		here.reuses_left = placed && !here.unstable ? reuses_until_check() : 0;
		b->place = here;
	}
	ss_announce_current(id >> 32, (__u32)id);
	b->start_ns = now;
	b->wake_ns = 0;
	b->state = state;
	b->waker_tgid = 0;
	b->waker_tid = 0;
	b->waker_user_stack = 0;
	b->waker_kernel_stack = 0;
	b->waker_comm[0] = '\0';
	count(OFFCPU_CTR_BLOCKS_STARTED);
}

/* The switch-in half: the block ends; it is counted, and streamed when long. */
static __always_inline void block_ends(struct block *b, __u32 tgid, __u32 tid, __u64 now)
{
	struct offcpu_key key;
	__u64 blocked, runnable;
	bool slot;
	long err;

	if (!b->start_ns || now < b->start_ns)
		return;
	if (b->wake_ns && b->wake_ns >= b->start_ns && b->wake_ns <= now) {
		blocked = b->wake_ns - b->start_ns;
		runnable = now - b->wake_ns;
	} else {
		/* The wakeup was not seen (woken before the programs attached, or by an untraced path). */
		blocked = now - b->start_ns;
		runnable = 0;
	}
	if (blocked < min_block_ns) {
		count(OFFCPU_CTR_BLOCKS_SHORT);
		b->start_ns = 0;
		return;
	}
	__builtin_memset(&key, 0, sizeof(key));
	key.tgid = tgid;
	key.tid = tid;
	key.state = b->state;
	key.user_stack = b->user_stack;
	key.kernel_stack = b->kernel_stack;
	key.waker_tgid = b->waker_tgid;
	key.waker_tid = b->waker_tid;
	key.waker_user_stack = b->waker_user_stack;
	key.waker_kernel_stack = b->waker_kernel_stack;
	slot = ss_active_slot_now();
	err = record(slot ? (void *)&counts_1 : (void *)&counts_0, &key, b, blocked, runnable);
	if (err)
		count_lost(err, OFFCPU_CTR_LOST_COUNTS_FULL);
	else
		count(OFFCPU_CTR_BLOCKS_RECORDED);
	if (blocked >= span_min_ns)
		stream(b, tgid, tid, blocked, runnable, now);
	b->start_ns = 0;
}

/* The waker's half, in the waker's context: who woke the sleeper, and where. */
static __always_inline void woken(void *ctx, struct block *b, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ss_stacks *st;

	if (!b->start_ns || b->wake_ns)
		return;
	b->wake_ns = now;
	b->waker_tgid = id >> 32;
	b->waker_tid = (__u32)id;
	bpf_get_current_comm(b->waker_comm, sizeof(b->waker_comm));
	count(OFFCPU_CTR_WAKEUPS_SEEN);
	/* Walking the waker's stacks costs microseconds: only for blocks long enough to be worth a look
	 * one by one (those that go to the timeline); shorter ones keep the waker's name and thread. */
	if (!waker_stacks || now - b->start_ns < span_min_ns || now - b->start_ns < min_block_ns)
		return;
	st = ss_capture_stacks_skip(ctx, SS_TRACEPOINT_SKIP);
	if (!st)
		return;
	if (!ss_store_stack(&stacks, st->user_hash, &st->user) && !ss_store_stack(&stacks, st->kernel_hash, &st->kernel)) {
		b->waker_user_stack = st->user_hash;
		b->waker_kernel_stack = st->kernel_hash;
	}
}

static __always_inline bool traced(__u32 state)
{
	return state < 32 && (state_mask & (1u << state));
}

/* --- tp_btf: typed arguments, per-task storage ---------------------------------------------- */

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct block *b;
	__u32 state;

	count(OFFCPU_CTR_SWITCHES_SEEN);
	if (prev->pid) {
		state = decode_state(preempt, prev_state, prev->exit_state);
		if (traced(state) && ss_wanted_task(prev)) {
			b = ss_task_scratch(&blocks, prev);
			if (b)
				block_starts(ctx, b, prev, state, now);
			else
				count(OFFCPU_CTR_LOST_NO_STORAGE);
		}
	}
	if (next->pid) {
		b = bpf_task_storage_get(&blocks, next, 0, 0);
		if (b)
			block_ends(b, next->tgid, next->pid, now);
	}
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(offcpu_waking_btf, struct task_struct *p)
{
	struct block *b = bpf_task_storage_get(&blocks, p, 0, 0);

	if (b)
		woken(ctx, b, bpf_ktime_get_ns());
	return 0;
}

/* --- raw_tp fallback: untyped pointers, blocks kept by tid ------------------------------------ */

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 prev_tid = BPF_CORE_READ(prev, pid), next_tid = BPF_CORE_READ(next, pid);
	struct block *b, empty = {};
	__u32 state;

	count(OFFCPU_CTR_SWITCHES_SEEN);
	if (prev_tid) {
		/* Without the prev_state argument (older kernels): read the task's state field. */
		unsigned int prev_state = bpf_core_field_exists(prev->__state) ? BPF_CORE_READ(prev, __state) : 0;

		state = decode_state(preempt, prev_state, BPF_CORE_READ(prev, exit_state));
		if (traced(state) && ss_wanted_current()) {
			bpf_map_update_elem(&blocks_by_tid, &prev_tid, &empty, BPF_ANY);
			b = bpf_map_lookup_elem(&blocks_by_tid, &prev_tid);
			if (b)
				block_starts(ctx, b, NULL, state, now); /* a fresh entry: nothing to reuse */
			else
				count(OFFCPU_CTR_LOST_NO_STORAGE);
		}
	}
	if (next_tid) {
		b = bpf_map_lookup_elem(&blocks_by_tid, &next_tid);
		if (b) {
			block_ends(b, BPF_CORE_READ(next, tgid), next_tid, now);
			bpf_map_delete_elem(&blocks_by_tid, &next_tid);
		}
	}
	return 0;
}

SEC("raw_tp/sched_waking")
int BPF_PROG(offcpu_waking_raw, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	struct block *b = bpf_map_lookup_elem(&blocks_by_tid, &tid);

	if (b)
		woken(ctx, b, bpf_ktime_get_ns());
	return 0;
}
