// A hot function whose work is three inlined calls deep, for the --inline option:
//   main -> inline_hot -> (inlined) fold -> (inlined) step -> (inlined) mix
//
//   inline_chain SECONDS    prints "pid=N", then spins for SECONDS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static inline __attribute__((always_inline)) uint64_t mix(uint64_t x)
{
	for (int i = 0; i < 64; i++)
		x = (x ^ (x >> 31)) * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	return x;
}

static inline __attribute__((always_inline)) uint64_t step(uint64_t x)
{
	return mix(x + 1) ^ mix(x + 2);
}

static inline __attribute__((always_inline)) uint64_t fold(uint64_t x)
{
	for (int i = 0; i < 1000; i++)
		x = step(x);
	return x;
}

__attribute__((noinline)) uint64_t inline_hot(uint64_t seed)
{
	return fold(seed);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	struct timespec start, now;

	printf("pid=%d\n", getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		sink += inline_hot(sink);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	return 0;
}
