// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Accelerator API calls (CUDA driver and runtime, HIP, Level Zero, OpenCL) by uprobes on the vendor
 * libraries. Two generic programs serve every function: the entry saves the arguments (registers and
 * the stack arguments above the return address) and the start time in the thread's storage; the
 * return matches its entry by stack pointer, reads what the call wrote (an allocation's pointer, a
 * function handle) and the kernel name a lookup was given, walks the user stack from the call site and
 * sends one record. Which function a probe is on comes from the attach cookie.
 */
#include "kit/kit.h"
#include "kit/task_scratch.h"
#include "kit/stacks.h"
#include "gpu.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool capture_stacks = true;

SS_COUNTERS(gpu_counter, GPU_CTR_MAX);
SS_BTF_STRUCT(gpu_call)
SS_BTF_STRUCT(gpu_function_spec)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GPU_MAX_FUNCTIONS);
	__type(key, __u32);
	__type(value, struct gpu_function_spec);
} gpu_functions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} calls SEC(".maps");

SS_TASK_SCRATCH(threads, struct gpu_thread);

#define count(index) ss_count(&gpu_counters, index)

/* A 1-based argument number as an index the verifier can bound (GPU_ARGS when out of range). */
static __always_inline __u64 arg_index(__u8 number)
{
	__u64 i = number;

	asm volatile("" : "+r"(i));
	return i >= 1 && i <= GPU_ARGS ? i - 1 : GPU_ARGS;
}

static __always_inline void copy_blob(__u8 *to, const __u64 *args, __u8 number)
{
	__u64 i = arg_index(number);

	if (i < GPU_ARGS && args[i])
		bpf_probe_read_user(to, GPU_BLOB, (const void *)args[i]);
}

SEC("uprobe")
int gpu_entry(struct pt_regs *ctx)
{
	struct gpu_function_spec *spec;
	struct gpu_inflight_call *call;
	struct gpu_thread *thread;
	__u32 function = (__u32)bpf_get_attach_cookie(ctx);
	__u64 depth;

	if (!ss_wanted_current())
		return 0;
	thread = ss_task_scratch(&threads, bpf_get_current_task_btf());
	if (!thread) {
		count(GPU_CTR_LOST_NO_STORAGE);
		return 0;
	}
	depth = thread->depth;
	asm volatile("" : "+r"(depth));
	thread->depth = depth + 1;
	if (depth >= GPU_DEPTH) {
		count(GPU_CTR_NESTED_TOO_DEEP);
		return 0;
	}
	call = &thread->calls[depth];
	call->function = function;
	call->sp = PT_REGS_SP(ctx);
	call->args[0] = PT_REGS_PARM1(ctx);
	call->args[1] = PT_REGS_PARM2(ctx);
	call->args[2] = PT_REGS_PARM3(ctx);
	call->args[3] = PT_REGS_PARM4(ctx);
	call->args[4] = PT_REGS_PARM5(ctx);
	call->args[5] = ctx->r9; /* libbpf 1.1 has no PT_REGS_PARM6 */
	/* Arguments 7 and on: above the return address. Zeros where the stack ends sooner. */
	if (bpf_probe_read_user(&call->args[6], 6 * sizeof(__u64), (const void *)(call->sp + 8)))
		__builtin_memset(&call->args[6], 0, 6 * sizeof(__u64));
	spec = bpf_map_lookup_elem(&gpu_functions, &function);
	if (spec) {
		/* Input structs (a launch config, a work size) are read now, before the call may change them. */
		copy_blob(call->blob_a, call->args, spec->blob_a_arg);
		copy_blob(call->blob_b, call->args, spec->blob_b_arg);
	}
	call->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void read_outputs(struct gpu_call *r, const struct gpu_function_spec *spec)
{
	__u64 i, pointer = 0;

	i = arg_index(spec->out_arg);
	if (i < GPU_ARGS && r->args[i])
		bpf_probe_read_user(&r->out_value, sizeof(r->out_value), (const void *)r->args[i]);
	i = arg_index(spec->name_arg);
	if (i < GPU_ARGS) {
		pointer = r->args[i];
		if (pointer && spec->name_deref)
			bpf_probe_read_user(&pointer, sizeof(pointer), (const void *)(pointer + spec->name_offset));
		if (pointer)
			bpf_probe_read_user_str(r->name, sizeof(r->name), (const void *)pointer);
	}
}

static __always_inline void emit(struct pt_regs *ctx, const struct gpu_inflight_call *call, __u64 now)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct gpu_function_spec *spec;
	__u32 function = call->function;
	struct gpu_call *r;
	__u32 frames = 0;

	ss_announce_current(pid_tgid >> 32, (__u32)pid_tgid);
	r = SS_RESERVE(&calls, struct gpu_call);
	if (!r)
		return;
	r->start_ns = call->start_ns;
	r->duration_ns = now - call->start_ns;
	r->tgid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->function = function;
	r->ret = PT_REGS_RC(ctx);
	r->out_value = 0;
	r->name[0] = '\0';
	__builtin_memcpy(r->args, call->args, sizeof(r->args));
	__builtin_memcpy(r->blob_a, call->blob_a, sizeof(r->blob_a));
	__builtin_memcpy(r->blob_b, call->blob_b, sizeof(r->blob_b));
	spec = bpf_map_lookup_elem(&gpu_functions, &function);
	if (spec)
		read_outputs(r, spec);
	if (capture_stacks) {
		/* At the return the registers are the caller's: the walk starts at the call site. */
		struct ss_stacks *st = ss_capture_user_stack(ctx);

		if (st) {
			frames = st->user.len;
			if (frames > GPU_FRAMES)
				frames = GPU_FRAMES;
			bpf_probe_read_kernel(r->user_stack, sizeof(r->user_stack), st->user.ips);
		}
	}
	r->user_len = frames;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	ss_submit(&calls, r);
	count(GPU_CTR_CALLS_SENT);
}

SEC("uretprobe")
int gpu_return(struct pt_regs *ctx)
{
	/* No filter here: a thread has a call in flight only if its entry passed the filter. */
	struct gpu_thread *thread = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	__u64 sp = PT_REGS_SP(ctx), now = bpf_ktime_get_ns(), depth;
	struct gpu_inflight_call *call;
	int step;

	if (!thread || thread->depth == 0) {
		count(GPU_CTR_UNMATCHED_RETURNS);
		return 0;
	}
	for (step = 0; step <= GPU_DEPTH; step++) {
		depth = thread->depth;
		asm volatile("" : "+r"(depth));
		if (depth == 0)
			break;
		depth -= 1;
		if (depth >= GPU_DEPTH) {
			/* A call too deep to keep: its return only unwinds the count. */
			thread->depth = depth;
			return 0;
		}
		call = &thread->calls[depth];
		if (call->sp + 8 == sp) {
			thread->depth = depth;
			emit(ctx, call, now);
			return 0;
		}
		if (call->sp + 8 > sp)
			break; /* the return of a deeper call this thread's entries do not have */
		/* The kept call is deeper than this return: it never returned (longjmp, an exception). */
		thread->depth = depth;
		count(GPU_CTR_UNMATCHED_RETURNS);
	}
	count(GPU_CTR_UNMATCHED_RETURNS);
	return 0;
}
