/*
 * Browser-test workload for the scheduler layer: one thread that computes for about 20 ms (measured
 * on CLOCK_MONOTONIC) and then sleeps about 80 ms in a function named nap, in a loop. On the thread
 * timeline it is running about a fifth of the time and sleeping the rest; its sleeps block in nap.
 *
 *   sched_nap [seconds]     (at most 300; it exits by itself)
 *
 * Built with frame pointers. libc's own functions have none, so a frame-pointer walk from inside
 * nanosleep skips the function that called it: nap calls a helper (sleep_ms) that calls nanosleep,
 * and the blocking stack reads main → nap → clock_nanosleep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy for `ms` milliseconds of wall time. */
__attribute__((noinline)) unsigned long compute(double ms)
{
	volatile unsigned long acc = 1;
	double end = now() + ms / 1000;
	while (now() < end)
		for (int i = 0; i < 2000; i++)
			acc = acc * 6364136223846793005UL + 1442695040888963407UL;
	return acc;
}

__attribute__((noinline)) void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void nap(long ms)
{
	sleep_ms(ms);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 120;
	if (!(seconds > 0) || seconds > 300)
		seconds = 300;
	double end = now() + seconds;
	unsigned long acc = 0;
	while (now() < end) {
		acc ^= compute(20);
		nap(80);
	}
	printf("%lu\n", acc);
	return 0;
}
