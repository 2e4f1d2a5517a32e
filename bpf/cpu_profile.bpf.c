// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * On-CPU sampling with aggregation in the kernel.
 *
 * A perf_event program runs on every cpu-clock sample, captures the user and kernel stacks into a
 * per-CPU scratch buffer, hashes them, and adds one to counts_N[{tgid, tid, user, kernel}]; each
 * distinct stack is stored once in stacks_N[hash]. Two slots (N = 0, 1) let user space drain a
 * quiescent one while the programs write the other (config.active_slot). Nothing is streamed per
 * sample; only process lifecycle changes (first sample of a process, exec, exit) go through the
 * ring buffer, so that symbolisation can snapshot a process while it is alive.
 *
 * We do not use BPF_MAP_TYPE_STACK_TRACE: its buckets are indexed by a truncated hash and a
 * colliding stack silently replaces or drops the older one at the sizes we need.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cpu_profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* errno values (vmlinux.h has no uapi macros). */
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17

/* task_struct->flags: set at the start of do_exit(), before the exit tracepoint. */
#define PF_EXITING 0x00000004

/* Settings fixed at load time (user space writes them into .rodata before loading). */
const volatile __u32 max_stack_depth = CPU_MAX_STACK_DEPTH;
/* Pending ring buffer bytes before a record wakes the reader; below it the reader finds records
 * on its timed poll. Waking per record would make the reader's own wakeups dominate. */
const volatile __u64 wakeup_threshold = 64 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_config);
} run_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} target_tgids SEC(".maps");

/* Sizes below are defaults; user space sets max_entries before load. BPF_F_NO_PREALLOC: memory is
 * only used for entries actually present (this kernel allocates them safely in any context). */
struct count_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct cpu_count_key);
	__type(value, __u64);
};

struct stack_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct cpu_stack);
};

struct count_map counts_0 SEC(".maps");
struct count_map counts_1 SEC(".maps");
struct stack_map stacks_0 SEC(".maps");
struct stack_map stacks_1 SEC(".maps");

struct scratch {
	struct cpu_stack user;
	struct cpu_stack kernel;
};

/* 2 KiB of stacks do not fit on the 512-byte BPF stack: capture into a per-CPU buffer. A perf_event
 * program cannot nest with itself on one CPU, so one entry per CPU is enough. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CPU_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Processes already announced with CPU_PROC_SEEN. LRU: an evicted live process is announced again,
 * which is harmless; a full table never blocks sampling. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} known_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);

	/* Atomic although per-CPU: a sample (hard interrupt) can interrupt a tracepoint program on the
	 * same CPU while it increments the same counter. */
	if (value)
		__sync_fetch_and_add(value, 1);
}

static __always_inline struct cpu_config *get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&run_config, &zero);
}

static __always_inline bool wanted(const struct cpu_config *cfg, __u32 tgid)
{
	if (tgid == cfg->agent_tgid && !cfg->include_agent)
		return false;
	if (cfg->filter_enabled && !bpf_map_lookup_elem(&target_tgids, &tgid))
		return false;
	return true;
}

static __always_inline void emit(__u32 kind, __u32 tgid, __u32 tid, const char *comm)
{
	struct cpu_proc_event *e;
	__u64 flags;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(CPU_CTR_EVENTS_LOST);
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->tgid = tgid;
	e->tid = tid;
	e->_pad = 0;
	if (bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm) < 0)
		e->comm[0] = '\0';
	/* Batched wakeups: ring_buffer__poll would otherwise be woken for every record. */
	flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_threshold ? BPF_RB_FORCE_WAKEUP
										    : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	count(CPU_CTR_EVENTS);
}

/* First sample of a process in this session: announce it with its group leader's name. Rare path. */
static __always_inline void note_process(__u32 tgid, __u32 tid)
{
	struct task_struct *task, *leader;
	__u8 one = 1;

	if (tgid == 0 || bpf_map_lookup_elem(&known_tgids, &tgid))
		return;
	/* NOEXIST: when two CPUs race, only the one that inserts announces. */
	if (bpf_map_update_elem(&known_tgids, &tgid, &one, BPF_NOEXIST))
		return;
	task = (struct task_struct *)bpf_get_current_task();
	leader = BPF_CORE_READ(task, group_leader);
	/* A task is still sampled on its way out, after the exit event: announcing it again then
	 * would resurrect a process that is gone. */
	if (!leader || (BPF_CORE_READ(task, flags) & PF_EXITING)) {
		bpf_map_delete_elem(&known_tgids, &tgid);
		return;
	}
	emit(CPU_PROC_SEEN, tgid, tid, leader->comm);
}

/* 64-bit hash of a stack (a murmur3-style mix per frame). 0 is reserved for "no stack". */
static __always_inline __u64 hash_stack(const struct cpu_stack *stack, __u32 len)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ len;
	__u32 i;

	/* A constant bound the verifier can unroll the proof of; len is checked inside. */
	for (i = 0; i < CPU_MAX_STACK_DEPTH; i++) {
		__u64 k;

		if (i >= len)
			break;
		k = stack->ips[i] * 0x87c37b91114253d5ULL;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937fULL;
		h ^= k;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static __always_inline __u64 capture(void *ctx, struct cpu_stack *stack, __u64 flags, __u32 error_counter)
{
	__u32 depth = max_stack_depth;
	long bytes;
	__u32 len;

	if (depth == 0 || depth > CPU_MAX_STACK_DEPTH)
		depth = CPU_MAX_STACK_DEPTH;
	bytes = bpf_get_stack(ctx, stack->ips, depth * sizeof(__u64), flags);
	if (bytes <= 0) {
		/* -EFAULT: no stack of this kind here (a kernel stack for a sample taken in user mode,
		 * a user stack for a kernel thread). That is normal, not an error. */
		if (bytes < 0 && bytes != -EFAULT)
			count(error_counter);
		stack->len = 0;
		return 0;
	}
	len = bytes / sizeof(__u64);
	if (len > CPU_MAX_STACK_DEPTH)
		len = CPU_MAX_STACK_DEPTH;
	stack->len = len;
	return hash_stack(stack, len);
}

static __always_inline long store_stack(void *stacks, __u64 hash, const struct cpu_stack *stack)
{
	long err;

	if (!hash || bpf_map_lookup_elem(stacks, &hash))
		return 0;
	err = bpf_map_update_elem(stacks, &hash, stack, BPF_NOEXIST);
	return err == -EEXIST ? 0 : err;
}

static __always_inline void count_lost(long err, __u32 full_counter)
{
	/* A hash map answers -E2BIG when it is full; -ENOMEM when the entry cannot be allocated. */
	count(err == -E2BIG || err == -ENOMEM ? full_counter : CPU_CTR_LOST_OTHER);
}

static __always_inline void record(void *counts, void *stacks, struct cpu_count_key *key, struct scratch *sc)
{
	__u64 one = 1, *value;
	long err;

	value = bpf_map_lookup_elem(counts, key);
	if (value) {
		__sync_fetch_and_add(value, 1);
		count(CPU_CTR_RECORDED);
		return;
	}
	/* A new key: store its stacks first, so a drained count never refers to a missing stack.
	 * An existing key's stacks are already in this slot, so the common path skips this. */
	err = store_stack(stacks, key->user_stack, &sc->user);
	if (!err)
		err = store_stack(stacks, key->kernel_stack, &sc->kernel);
	if (err) {
		count_lost(err, CPU_CTR_LOST_STACKS_FULL);
		return;
	}
	err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Another CPU inserted the same key between our lookup and update. */
		value = bpf_map_lookup_elem(counts, key);
		if (value) {
			__sync_fetch_and_add(value, 1);
			err = 0;
		}
	}
	if (err) {
		count_lost(err, CPU_CTR_LOST_COUNTS_FULL);
		return;
	}
	count(CPU_CTR_RECORDED);
}

SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0;
	struct cpu_count_key key;
	struct cpu_config *cfg;
	struct scratch *sc;

	count(CPU_CTR_SAMPLES);
	cfg = get_config();
	if (!cfg)
		return 0;
	if ((tid == 0 && !cfg->include_idle) || !wanted(cfg, tgid)) {
		count(CPU_CTR_SKIPPED);
		return 0;
	}
	count(CPU_CTR_ACCEPTED);

	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc) {
		count(CPU_CTR_LOST_OTHER);
		return 0;
	}
	key.tgid = tgid;
	key.tid = tid;
	key.user_stack = capture(ctx, &sc->user, BPF_F_USER_STACK, CPU_CTR_USER_STACK_ERRORS);
	key.kernel_stack = capture(ctx, &sc->kernel, 0, CPU_CTR_KERNEL_STACK_ERRORS);

	/* Announce before counting: user space drains the ring buffer before the slot, so the
	 * process is known before its first samples arrive. */
	note_process(tgid, tid);

	if (cfg->active_slot)
		record(&counts_1, &stacks_1, &key, sc);
	else
		record(&counts_0, &stacks_0, &key, sc);
	return 0;
}

static __always_inline void on_exec(__u32 tgid, __u32 tid, const char *comm)
{
	struct cpu_config *cfg = get_config();

	/* Its mappings changed: announce it again on its next sample. */
	bpf_map_delete_elem(&known_tgids, &tgid);
	if (cfg && wanted(cfg, tgid))
		emit(CPU_PROC_EXEC, tgid, tid, comm);
}

static __always_inline void on_exit(__u32 tgid, const char *comm)
{
	struct cpu_config *cfg = get_config();
	bool known = bpf_map_delete_elem(&known_tgids, &tgid) == 0;

	/* Exits of processes never sampled are noise, except for an explicit target: the session
	 * must learn that it is gone even when it was asleep all along. Two last threads exiting at
	 * once can both see the group dead: the known_tgids delete lets only one report it, except
	 * for a never-sampled target (a duplicate exit is harmless). */
	if (cfg && wanted(cfg, tgid) && (known || cfg->filter_enabled))
		emit(CPU_PROC_EXIT, tgid, tgid, comm);
}

/* tp_btf: typed arguments, fields read directly (cheaper than BPF_CORE_READ here). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(cpu_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_exec(p->tgid, p->pid, p->comm);
	return 0;
}

/* The process ends when the last thread of its group exits (signal->live drops to 0 before the
 * tracepoint). Testing only pid == tgid would report a leader that exits before its threads. */
static __always_inline bool group_dead(struct task_struct *p)
{
	return BPF_CORE_READ(p, signal, live.counter) == 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cpu_exit_btf, struct task_struct *p)
{
	if (group_dead(p))
		on_exit(p->tgid, p->group_leader->comm);
	return 0;
}

/* raw_tp fallback: the same arguments as untyped pointers, so every field goes through CO-RE
 * probe reads (a direct dereference is rejected by the verifier). */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(cpu_exec_raw, struct task_struct *p)
{
	on_exec(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid), p->comm);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(cpu_exit_raw, struct task_struct *p)
{
	if (group_dead(p))
		on_exit(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, group_leader)->comm);
	return 0;
}
