// Many threads burning CPU, each in its own call path: many distinct (thread, stack) keys at once,
// to fill the kernel's tables on purpose.
//
//   many_threads THREADS SECONDS    prints "pid=N" then runs THREADS burners for SECONDS (wall)
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static uint64_t deadline;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Recursion depth differs per thread, so user stacks differ too.
__attribute__((noinline)) static void burn(int depth)
{
	if (depth > 0) {
		burn(depth - 1);
		sink++;
		return;
	}
	while (monotonic_ns() < deadline)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i;
}

static void *run(void *arg)
{
	burn((int)(intptr_t)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 16;
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;
	pthread_t *ids = calloc((size_t)threads, sizeof(*ids));

	deadline = monotonic_ns() + (uint64_t)(seconds * 1e9);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	for (int i = 0; i < threads; i++)
		pthread_create(&ids[i], NULL, run, (void *)(intptr_t)(i % 8));
	for (int i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	return 0;
}
