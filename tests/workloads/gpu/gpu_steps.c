/*
 * A CUDA driver-API program with a known pattern for correlating device work with what its thread
 * does between steps. Per step: one synchronous 1 MiB host-to-device copy, 4 kernel launches from
 * launch_kernels (vector_add, scale_kernel, vector_add, scale_kernel), one stream synchronisation, one
 * synchronous 1 MiB device-to-host copy. Between two steps the thread pauses PAUSE_MS: after an odd
 * step it sleeps (pause_between_steps, nanosleep), after an even one it computes on the CPU
 * (prepare_next_batch, a spin).
 *
 *   gpu_steps LIBCUDA STEPS PAUSE_MS
 *
 * The library is the stand-in libcuda.so.1 of this directory (its synchronisations take
 * GPU_STANDIN_SYNC_US) or the real one. Prints "pid=N", waits until every function it calls carries a
 * breakpoint (a tracer's uprobe; up to 60 s), prints "running", runs the steps, prints "done".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define FUNCS 8

static int (*cuInit)(unsigned);
static int (*cuStreamCreate)(void **, unsigned);
static int (*cuModuleLoadData)(void **, const void *);
static int (*cuModuleGetFunction)(void **, void *, const char *);
static int (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *, void **, void **);
static int (*cuMemAlloc_v2)(unsigned long long *, size_t);
static int (*cuMemcpyHtoD_v2)(unsigned long long, const void *, size_t);
static int (*cuMemcpyDtoH_v2)(void *, unsigned long long, size_t);
static int (*cuStreamSynchronize)(void *);

static void *library, *stream, *module, *kernels[2];
static void *probed[FUNCS];
static unsigned long long buffer;
static unsigned char host[MIB];
static volatile unsigned long sink;

static void *need(const char *name, int probe)
{
	static int count;
	void *f = dlsym(library, name);

	if (!f) {
		fprintf(stderr, "gpu_steps: the library has no %s\n", name);
		exit(2);
	}
	if (probe && count < FUNCS)
		probed[count++] = f;
	return f;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void wait_for_probes(void)
{
	long long deadline = now_ns() + 60LL * 1000000000LL;

	for (;;) {
		int armed = 0, count = 0;

		for (int i = 0; i < FUNCS && probed[i]; i++, count++)
			armed += *(volatile unsigned char *)probed[i] == 0xcc;
		if (armed == count)
			break;
		if (now_ns() > deadline) {
			fprintf(stderr, "gpu_steps: no probes after 60 s (%d of %d functions)\n", armed, count);
			exit(3);
		}
		usleep(10000);
	}
	sleep(2); /* the return probes attach after the entry probes, later still on a loaded machine */
}

__attribute__((noinline)) void launch_kernels(void)
{
	void *params[] = { &buffer };

	for (int i = 0; i < 4; i++)
		cuLaunchKernel(kernels[i & 1], 256, 2, 1, 128, 1, 1, 0, stream, params, NULL);
}

__attribute__((noinline)) void run_step(void)
{
	cuMemcpyHtoD_v2(buffer, host, MIB);
	launch_kernels();
	cuStreamSynchronize(stream);
	cuMemcpyDtoH_v2(host, buffer, MIB);
}

__attribute__((noinline)) void pause_between_steps(long ms)
{
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0)
		;
}

__attribute__((noinline)) void prepare_next_batch(long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	unsigned long x = 1;

	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			x = x * 2862933555777941757UL + 3037000493UL;
	sink = x;
}

int main(int argc, char **argv)
{
	int steps;
	long pause_ms;

	if (argc != 4) {
		fprintf(stderr, "usage: gpu_steps LIBCUDA STEPS PAUSE_MS\n");
		return 2;
	}
	steps = atoi(argv[2]);
	pause_ms = atol(argv[3]);
	library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!library) {
		fprintf(stderr, "gpu_steps: %s\n", dlerror());
		return 2;
	}
	cuInit = need("cuInit", 0);
	cuStreamCreate = need("cuStreamCreate", 0);
	cuModuleLoadData = need("cuModuleLoadData", 0);
	cuModuleGetFunction = need("cuModuleGetFunction", 1);
	cuLaunchKernel = need("cuLaunchKernel", 1);
	cuMemAlloc_v2 = need("cuMemAlloc_v2", 1);
	cuMemcpyHtoD_v2 = need("cuMemcpyHtoD_v2", 1);
	cuMemcpyDtoH_v2 = need("cuMemcpyDtoH_v2", 1);
	cuStreamSynchronize = need("cuStreamSynchronize", 1);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	wait_for_probes();
	printf("running\n");
	fflush(stdout);

	cuInit(0);
	cuStreamCreate(&stream, 0);
	cuModuleLoadData(&module, host);
	cuModuleGetFunction(&kernels[0], module, "vector_add");
	cuModuleGetFunction(&kernels[1], module, "scale_kernel");
	cuMemAlloc_v2(&buffer, MIB);
	for (int step = 1; step <= steps; step++) {
		run_step();
		if (step == steps)
			break;
		if (step % 2)
			pause_between_steps(pause_ms);
		else
			prepare_next_batch(pause_ms);
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}
