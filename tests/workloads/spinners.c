// THREADS threads that only burn CPU: more of them than CPUs means run-queue latency.
//
//   spinners THREADS SECONDS   prints "pid=N" then spins THREADS threads for SECONDS (wall)
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

__attribute__((noinline)) static void *spin(void *arg)
{
	(void)arg;
	while (monotonic_ns() < deadline)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i;
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	double seconds = argc > 2 ? atof(argv[2]) : 5.0;
	pthread_t ids[64];

	if (threads < 1 || threads > 64)
		return 2;
	deadline = monotonic_ns() + (uint64_t)(seconds * 1e9);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	for (int i = 0; i < threads; i++)
		pthread_create(&ids[i], NULL, spin, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(ids[i], NULL);
	return 0;
}
