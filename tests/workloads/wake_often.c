// A latency-sensitive process: sleeps 2 ms, computes about 100 us, over and over. It uses little CPU,
// so every wait for a CPU after a wakeup is run-queue latency caused by whatever else runs there.
//
//   wake_often SECONDS   prints "pid=N" then runs for SECONDS (wall)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t end = now_ns() + (uint64_t)(atof(argc > 1 ? argv[1] : "10") * 1e9);
	struct timespec nap = { 0, 2000000 };

	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (now_ns() < end) {
		uint64_t stop;

		nanosleep(&nap, NULL);
		stop = now_ns() + 100000;
		while (now_ns() < stop)
			sink++;
	}
	return 0;
}
