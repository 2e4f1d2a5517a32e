/*
 * Drives a stand-in (or real) accelerator library with a known pattern, through dlopen and dlsym as
 * frameworks do. Per step: one 1 MiB host-to-device copy, 4 kernel launches, one synchronise, one
 * device-to-host copy. Setup (kernel lookups, one allocation) comes before the steps, one free after.
 *
 *   gpu_driver VENDOR LIBRARY STEPS [SYNC_US] [option…]
 *     VENDOR   cuda | cudart | hip | levelzero | opencl
 *     SYNC_US  how long the stand-in's synchronisations take (GPU_STANDIN_SYNC_US, default 20000)
 *   options:
 *     late         load the library only when a line arrives on stdin (after a tracer started)
 *     wait-probes  before setup, wait until every function it calls carries a breakpoint (int3: a uprobe), up to 60 s
 *     wait-probe=NAME  the same for one function only (a tracer that probes only that one)
 *     exit-in-step=K  in step K, exit while the synchronisation is in progress
 *     loop=N       instead of steps: N launches in a tight loop; prints ns_per_call
 *     paced=N,NS   instead of steps: N launches, each after NS ns of computation; prints elapsed_ns
 *
 * First line: "pid=N stub_a=0x… stub_b=0x…" (the host stubs cudaLaunchKernel and hipLaunchKernel name).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define MAX_FUNCS 16

typedef struct dim3 { unsigned int x, y, z; } dim3;
typedef struct { uint32_t stype; const void *pNext; uint32_t flags; const char *pKernelName; } ze_kernel_desc_t;
typedef struct { uint32_t x, y, z; } ze_group_count_t;

static void *library;
static void *used[MAX_FUNCS];
static int used_count;
static int exit_step = -1;
static long sync_us = 20000;
static unsigned char host[MIB];

/* The host stubs of the runtime API's launches: their addresses name the kernels. */
__attribute__((noinline, used)) void vector_add_stub(void) { __asm__ volatile(""); }
__attribute__((noinline, used)) void scale_stub(void) { __asm__ volatile("nop"); }

/* A function the tracer does not probe (setup calls outside its catalogue): not waited for. */
static void *need_untraced(const char *name)
{
	void *f = dlsym(library, name);

	if (!f) {
		fprintf(stderr, "gpu_driver: the library has no %s\n", name);
		exit(2);
	}
	return f;
}

static void *need(const char *name)
{
	void *f = need_untraced(name);

	if (used_count < MAX_FUNCS)
		used[used_count++] = f;
	return f;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Every function the driver calls starts with int3 once a tracer's uprobes are on it. */
static void wait_for_probes(void)
{
	long long deadline = now_ns() + 60LL * 1000000000LL;

	for (;;) {
		int armed = 0;

		for (int i = 0; i < used_count; i++)
			armed += *(volatile unsigned char *)used[i] == 0xcc;
		if (armed == used_count)
			break;
		if (now_ns() > deadline) {
			fprintf(stderr, "gpu_driver: no probes after 60 s (%d of %d functions)\n", armed, used_count);
			exit(3);
		}
		usleep(10000);
	}
	usleep(500000); /* the other half of each pair (entry and return) attaches right after */
}

static void *exit_later(void *unused)
{
	(void)unused;
	usleep(sync_us / 2);
	_exit(0);
}

static void before_sync(int step)
{
	pthread_t t;

	if (step == exit_step)
		pthread_create(&t, NULL, exit_later, NULL);
}

static void spin(long ns)
{
	long long end = now_ns() + ns;

	while (now_ns() < end)
		;
}

#include "gpu_driver_apis.h"

static void load(const char *path, const struct api *api)
{
	library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!library) {
		fprintf(stderr, "gpu_driver: %s\n", dlerror());
		exit(2);
	}
	api->resolve();
}

int main(int argc, char **argv)
{
	const struct api *api = NULL;
	long loop = 0, paced = 0, paced_ns = 0;
	int late = 0, wait_probes = 0, steps;
	const char *wait_one = NULL;
	char line[64];

	if (argc < 4) {
		fprintf(stderr, "usage: gpu_driver VENDOR LIBRARY STEPS [SYNC_US] [late] [wait-probes] [exit-in-step=K] [loop=N] [paced=N,NS]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++)
		if (!strcmp(argv[1], apis[i].vendor))
			api = &apis[i].api;
	if (!api) {
		fprintf(stderr, "gpu_driver: unknown vendor %s\n", argv[1]);
		return 2;
	}
	steps = atoi(argv[3]);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "late"))
			late = 1;
		else if (!strcmp(argv[i], "wait-probes"))
			wait_probes = 1;
		else if (!strncmp(argv[i], "wait-probe=", 11))
			wait_one = argv[i] + 11;
		else if (!strncmp(argv[i], "exit-in-step=", 13))
			exit_step = atoi(argv[i] + 13);
		else if (!strncmp(argv[i], "loop=", 5))
			loop = atol(argv[i] + 5);
		else if (!strncmp(argv[i], "paced=", 6))
			sscanf(argv[i] + 6, "%ld,%ld", &paced, &paced_ns);
		else
			sync_us = atol(argv[i]);
	}
	{
		char text[32];

		snprintf(text, sizeof(text), "%ld", sync_us);
		setenv("GPU_STANDIN_SYNC_US", text, 1);
	}
	printf("pid=%d stub_a=%p stub_b=%p\n", getpid(), (void *)vector_add_stub, (void *)scale_stub);
	fflush(stdout);

	if (!late)
		load(argv[2], api);
	if (late) {
		if (!fgets(line, sizeof(line), stdin))
			return 0;
		load(argv[2], api);
	}
	if (wait_one) {
		used[0] = need_untraced(wait_one);
		used_count = 1;
	}
	if (wait_probes || wait_one)
		wait_for_probes();
	printf("running\n");
	fflush(stdout);

	api->setup();
	if (loop > 0) {
		long long start = now_ns();

		for (long i = 0; i < loop; i++)
			api->launch();
		printf("ns_per_call=%lld\n", (now_ns() - start) / loop);
	} else if (paced > 0) {
		long long start = now_ns();

		for (long i = 0; i < paced; i++) {
			spin(paced_ns);
			api->launch();
		}
		printf("elapsed_ns=%lld\n", now_ns() - start);
	} else {
		for (int step = 1; step <= steps; step++)
			api->step(step);
	}
	api->teardown();
	printf("done\n");
	fflush(stdout);
	return 0;
}
