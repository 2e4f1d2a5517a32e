// Spins and sleeps at the bottom of a deep call chain, for exports of deep stacks.
//
//   deep_stack DEPTH SECONDS    recurse DEPTH frames, then alternate ~1 ms of work and 1 ms of sleep
//
// Prints "pid=N" first.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void bottom(double seconds)
{
	struct timespec ms = { 0, 1000 * 1000 }, now, start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 200000; i++)
			sink += i;
		nanosleep(&ms, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
}

__attribute__((noinline)) static void down(int depth, double seconds)
{
	if (depth <= 0)
		bottom(seconds);
	else
		down(depth - 1, seconds);
	sink++; // not a tail call: every level keeps its frame
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s DEPTH SECONDS\n", argv[0]);
		return 2;
	}
	printf("pid=%d\n", getpid());
	fflush(stdout);
	down(atoi(argv[1]), atof(argv[2]));
	return 0;
}
