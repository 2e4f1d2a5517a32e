// Burns CPU in one function for the first half of its run and in another for the second half: the
// diff of the two halves' flame graphs must show the switch.
//
//   hot_switch SECONDS     prints "pid=N" then phase_one for SECONDS/2, phase_two for SECONDS/2 (wall)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) void phase_one(uint64_t until)
{
	while (monotonic_ns() < until)
		for (int i = 0; i < 20000; i++)
			sink += (uint64_t)i * 2654435761u;
}

__attribute__((noinline)) void phase_two(uint64_t until)
{
	while (monotonic_ns() < until)
		for (int i = 0; i < 20000; i++)
			sink ^= (uint64_t)i * 40503u;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10.0;
	uint64_t start = monotonic_ns(), half = (uint64_t)(seconds * 0.5e9);

	printf("pid=%d\n", getpid());
	fflush(stdout);
	phase_one(start + half);
	phase_two(start + 2 * half);
	return 0;
}
