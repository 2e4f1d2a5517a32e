// The library unwind_zoo loads with dlopen after the session started. Built -O2 -fomit-frame-pointer -shared.
#include <stdint.h>
#include <time.h>

static volatile uint64_t sink;

static __attribute__((noinline)) void plugin_work(void)
{
	for (int i = 0; i < 20000; i++)
		sink += (uint64_t)i * 2654435761u;
}

void plugin_spin(double seconds)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		plugin_work();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
}
