// Burns CPU in two functions with a known split of CPU time: spend_75 gets 75%, spend_25 25%.
// The split is by the thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), so preemption and a noisy
// machine do not bend it; slices have random lengths so they cannot beat with the sampling clock.
//
//   cpu_split SECONDS      prints "pid=N spend_75=ADDR spend_25=ADDR" then runs for SECONDS (wall)
//
// Built with -O1 -fno-omit-frame-pointer: both functions keep a frame, so a sample's user stack
// leads back to the one it was taken in.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Each function checks the clock itself (always_inline), so time spent reading the clock is
// charged to the same function in the same proportion.
__attribute__((noinline)) uint64_t spend_75(uint64_t slice_ns)
{
	uint64_t start = now_ns(CLOCK_THREAD_CPUTIME_ID), now;

	do {
		for (int i = 0; i < 20000; i++)
			sink += (uint64_t)i * 2654435761u;
		now = now_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (now - start < slice_ns);
	return now - start;
}

__attribute__((noinline)) uint64_t spend_25(uint64_t slice_ns)
{
	uint64_t start = now_ns(CLOCK_THREAD_CPUTIME_ID), now;

	do {
		for (int i = 0; i < 20000; i++)
			sink += (uint64_t)i * 2654435761u;
		now = now_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (now - start < slice_ns);
	return now - start;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)(seconds * 1e9);
	uint64_t t75 = 0, t25 = 0, rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();

	printf("pid=%d spend_75=%p spend_25=%p\n", getpid(), (void *)spend_75, (void *)spend_25);
	fflush(stdout);
	while (now_ns(CLOCK_MONOTONIC) < deadline) {
		// xorshift: slices between 0.2 and 2 ms
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		uint64_t slice = 200000 + rng % 1800000;

		// Keep the running totals at 3:1 whatever the slices turned out to be.
		if (t75 <= 3 * t25)
			t75 += spend_75(slice);
		else
			t25 += spend_25(slice);
	}
	printf("spent_75_ns=%llu spent_25_ns=%llu\n", (unsigned long long)t75, (unsigned long long)t25);
	return 0;
}
