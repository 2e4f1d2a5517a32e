// One thread that sleeps in turn under two callers whose difference lies three frames above the
// sleep: caller_short → middle → wait_in → nap (2 ms) and caller_long → middle → wait_in → nap (6 ms),
// one after the other. At the syscall nap's registers, and the two return addresses its frame
// pointer leads to, are the same for both, so an off-CPU source that reuses the stacks of a thread's
// last walk when it blocks again "at the same place" would put one caller's sleeps under the other.
// Truth: of the time asleep, 25% is under caller_short and 75% under caller_long.
//
//   deep_callers SECONDS   prints "pid=N" then alternates for SECONDS (wall)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The syscall from nap's own frame, no libc between (Debian's glibc keeps no frame pointer). */
__attribute__((noinline)) void nap(long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_nanosleep), "D"(&ts), "S"(0) : "rcx", "r11", "memory");
	__asm__ volatile("" ::: "memory"); /* a real frame, not a tail call */
}

__attribute__((noinline)) void wait_in(long ns)
{
	nap(ns);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void middle(long ns)
{
	wait_in(ns);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void caller_short(void)
{
	middle(2000000);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void caller_long(void)
{
	middle(6000000);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);

	printf("pid=%d\n", getpid());
	fflush(stdout);
	for (unsigned i = 0; now_ns() < deadline; i++) {
		if (i & 1)
			caller_long();
		else
			caller_short();
	}
	return 0;
}
