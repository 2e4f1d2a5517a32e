// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reads the kernel's own syscall table, the ftrace syscall metadata (the array between
 * __start_syscalls_metadata and __stop_syscalls_metadata, from which the syscalls:* tracepoints and
 * their format files are made): each entry's name ("sys_read"), number and first argument's name.
 * User space gives the array's address (from /proc/kallsyms) and runs the program once with
 * BPF_PROG_TEST_RUN; nothing is attached. Works wherever syscall tracepoints exist, any architecture.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SYSCALL_TABLE_MAX 1024

/* One entry of the table as user space reads it. 72 bytes. */
struct syscall_table_entry {
	__s32 nr; /* -1: the kernel found no number for it (not on this architecture) */
	__u32 nb_args;
	char name[48];
	char arg0[16];
};

__attribute__((used)) static int btf_syscall_table_entry(struct syscall_table_entry *unused) { return 0; }

const volatile __u64 metadata_start = 0; /* address of __start_syscalls_metadata */
const volatile __u32 metadata_count = 0; /* pointers up to __stop_syscalls_metadata */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_TABLE_MAX);
	__type(key, __u32);
	__type(value, struct syscall_table_entry);
} syscall_table SEC(".maps");

/* One entry per call: bpf_loop keeps the verifier from walking 1024 iterations (and from losing
 * track of an index that has to live on the stack as a map key). */
static long read_entry(__u32 i, void *unused)
{
	struct syscall_metadata *meta = NULL;
	struct syscall_table_entry *out;
	const char **args = NULL;
	const char *name = NULL, *arg0 = NULL;
	__u32 key = i;

	if (i >= metadata_count)
		return 1;
	out = bpf_map_lookup_elem(&syscall_table, &key);
	if (!out)
		return 1;
	if (bpf_probe_read_kernel(&meta, sizeof(meta), (void *)(metadata_start + (__u64)i * sizeof(void *))) || !meta)
		return 0;
	out->nr = BPF_CORE_READ(meta, syscall_nr);
	out->nb_args = BPF_CORE_READ(meta, nb_args);
	name = BPF_CORE_READ(meta, name);
	bpf_probe_read_kernel_str(out->name, sizeof(out->name), name);
	args = BPF_CORE_READ(meta, args);
	if (args && out->nb_args > 0 && !bpf_probe_read_kernel(&arg0, sizeof(arg0), args) && arg0)
		bpf_probe_read_kernel_str(out->arg0, sizeof(out->arg0), arg0);
	return 0;
}

SEC("raw_tp")
int read_syscall_table(struct bpf_raw_tracepoint_args *ctx)
{
	bpf_loop(SYSCALL_TABLE_MAX, read_entry, NULL, 0);
	return 0;
}
