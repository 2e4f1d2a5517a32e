/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared between gpu.bpf.c and the C# source (Sources/Gpu/GpuSchema.cs mirrors every struct; layouts
 * are checked against the object's BTF at load, counter names are read from it).
 *
 * One pair of generic programs serves every traced accelerator API function: the attach cookie is the
 * function's index in the C# catalogue, and gpu_functions[cookie] says what the return probe reads
 * beyond the raw arguments (an out-pointer, a name string, memory an argument points to).
 */
#ifndef SYSTEMSCOPE_GPU_H
#define SYSTEMSCOPE_GPU_H

#define GPU_ARGS 12          /* 6 in registers, 6 from the user stack at sp+8 (x86-64 SysV) */
#define GPU_BLOB 64          /* bytes copied from where an argument points (a dim3, a launch config) */
#define GPU_NAME 128         /* a kernel name passed to a name-resolving call */
#define GPU_FRAMES 64        /* user frames kept with a call */
#define GPU_DEPTH 4          /* nested traced calls kept per thread (cudart calls into libcuda) */
#define GPU_MAX_FUNCTIONS 512

/* What the probes read for one function, beyond its raw arguments (index: the attach cookie). Argument
 * numbers are 1-based; 0 means none. 16 bytes. */
struct gpu_function_spec {
	__u8 out_arg;     /* a pointer argument the call writes a value through: *arg is read at return */
	__u8 name_arg;    /* a char * argument (or, with name_offset, a pointer to a struct holding one) */
	__u8 name_deref;  /* 1: name_arg points to a struct whose char * is at name_offset */
	__u8 blob_a_arg;  /* GPU_BLOB bytes copied at entry from where this argument points */
	__u8 blob_b_arg;
	__u8 _pad[3];
	__u32 name_offset;
	__u32 _pad2;
};

/* A call in flight on a thread, kept from entry to return. */
struct gpu_inflight_call {
	__u64 start_ns;
	__u64 sp; /* at entry (it points at the return address); the return sees sp + 8 */
	__u64 args[GPU_ARGS];
	__u8 blob_a[GPU_BLOB];
	__u8 blob_b[GPU_BLOB];
	__u32 function;
	__u32 _pad;
};

/* Per-thread storage: the traced calls the thread is in, innermost last. */
struct gpu_thread {
	__u32 depth; /* may exceed GPU_DEPTH: the deeper calls are counted, not kept */
	__u32 _pad;
	struct gpu_inflight_call calls[GPU_DEPTH];
};

/* Record of the calls ring buffer: one traced call, at its return. */
struct gpu_call {
	__u64 start_ns;
	__u64 duration_ns;
	__u32 tgid;
	__u32 tid;
	__u32 function;  /* the catalogue index (the attach cookie) */
	__u32 user_len;  /* frames in user_stack, leaf (the call site) first */
	__s64 ret;       /* the function's return value (rax) */
	__u64 out_value; /* *out_arg at return, when the function has one */
	__u64 args[GPU_ARGS];
	__u8 blob_a[GPU_BLOB];
	__u8 blob_b[GPU_BLOB];
	char name[GPU_NAME];
	char comm[16];
	__u64 user_stack[GPU_FRAMES];
};

enum gpu_counter {
	GPU_CTR_CALLS_SENT = 0,       /* calls sent to user space */
	GPU_CTR_UNMATCHED_RETURNS,    /* returns without a kept entry (entered before attach, or a frame left by longjmp) */
	GPU_CTR_NESTED_TOO_DEEP,      /* calls nested deeper than GPU_DEPTH: timed by nobody */
	GPU_CTR_LOST_NO_STORAGE,      /* no per-thread storage: the call is not traced */
	GPU_CTR_MAX,
};

#endif
