// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// Test program the verifier must reject: it dereferences a map lookup result without checking it
// for NULL (a hash map: lookups of arrays with constant keys are known non-NULL to recent
// verifiers). Used to check that a load failure reports the program and the verifier's log.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

SEC("raw_tp/sys_enter")
int unchecked_lookup(void *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&values, &key);

	return (int)*value; /* no NULL check: "invalid mem access 'map_value_or_null'" */
}
