// A thread that computes for 20 ms of wall time, then sleeps 80 ms in a function named nap, over and
// over: off-CPU time under nap is 80% of wall time, compute (running, or runnable when the machine is
// busy) 20% — by wall clock, so a loaded machine does not bend the split.
//
//   work_sleep SECONDS [libc|raw]   prints "pid=N" then runs for SECONDS (wall)
//
// libc: nap sleeps through glibc's nanosleep() (Debian's glibc keeps no frame pointer, so nap's
// frame is found only by unwinding through libc); raw: nap enters the kernel itself with syscall(2)
// inline assembly, so frame-pointer stacks reach nap directly.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;
static int use_libc = 1;

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) void compute(uint64_t wall_ns)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC);

	do {
		for (int i = 0; i < 2000; i++)
			sink += (uint64_t)i * 2654435761u;
	} while (now_ns(CLOCK_MONOTONIC) - start < wall_ns);
}

static long raw_nanosleep(const struct timespec *ts)
{
	long ret;

	/* No libc frame between nap and the kernel. */
	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_nanosleep), "D"(ts), "S"(0) : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) void nap(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };

	if (use_libc)
		nanosleep(&ts, NULL);
	else
		raw_nanosleep(&ts);
	__asm__ volatile("" ::: "memory"); /* keep nap a real frame, not a tail call */
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)(seconds * 1e9);

	use_libc = !(argc > 2 && strcmp(argv[2], "raw") == 0);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (now_ns(CLOCK_MONOTONIC) < deadline) {
		compute(20000000);
		nap(80000000);
	}
	return 0;
}
