// Stacks that only an unwinder reading .eh_frame walks right, for the unwinder's tests. Built with
// -O2 -fomit-frame-pointer (like distribution binaries): RBP is an ordinary register here.
//
//   unwind_zoo qsort SECONDS        sort_forever -> qsort (glibc, no frame pointers) -> compare_slowly
//   unwind_zoo signal SECONDS       interrupted_loop, and in_handler run from a SIGPROF handler on it
//   unwind_zoo dlopen SECONDS LIB   waits 1.5 s, then dlopen(LIB) and call_plugin -> plugin_spin (LIB's)
//   unwind_zoo deep SECONDS DEPTH   recurse DEPTH frames of descend, then spin in deepest
//
// Prints "pid=N" first. Every function named here is noinline, keeps its name in .symtab, does
// something after its last call (no tail call hides its frame) and differs from the others (no
// identical-code folding merges two names).
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) void burn(int rounds)
{
	for (int i = 0; i < rounds; i++)
		sink += (uint64_t)i * 2654435761u;
}

static __attribute__((noinline)) int compare_slowly(const void *a, const void *b)
{
	burn(200);
	return *(const int *)a - *(const int *)b;
}

static __attribute__((noinline)) void sort_forever(double seconds)
{
	static int values[512];
	double end = now_s() + seconds;

	while (now_s() < end) {
		for (int i = 0; i < 512; i++)
			values[i] = (i * 7919) % 512;
		qsort(values, 512, sizeof(values[0]), compare_slowly);
	}
}

static volatile sig_atomic_t in_signal;

static __attribute__((noinline)) void in_handler(void)
{
	burn(4000000);
	sink += 3;
}

static __attribute__((noinline)) void on_prof(int sig)
{
	in_handler();
	sink += (uint64_t)sig;
}

static __attribute__((noinline)) void interrupted_loop(double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end) {
		burn(20000);
		sink += 5;
	}
}

static void signals(double seconds)
{
	struct sigaction action;
	struct itimerval timer = { { 0, 10000 }, { 0, 10000 } };

	memset(&action, 0, sizeof(action));
	action.sa_handler = on_prof;
	sigaction(SIGPROF, &action, NULL);
	setitimer(ITIMER_PROF, &timer, NULL);
	interrupted_loop(seconds);
}

static __attribute__((noinline)) void call_plugin(void (*spin)(double), double seconds)
{
	spin(seconds);
	sink++;
}

static int plugin(double seconds, const char *path)
{
	void *library;
	void (*spin)(double);

	usleep(1500 * 1000);
	library = dlopen(path, RTLD_NOW);
	if (!library) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return 1;
	}
	spin = (void (*)(double))dlsym(library, "plugin_spin");
	if (!spin) {
		fprintf(stderr, "dlsym plugin_spin: %s\n", dlerror());
		return 1;
	}
	call_plugin(spin, seconds);
	return 0;
}

static __attribute__((noinline)) void deepest(double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end) {
		burn(30000);
		sink += 7;
	}
}

static __attribute__((noinline)) int descend(int depth, double seconds)
{
	if (depth <= 1)
		deepest(seconds);
	else
		descend(depth - 1, seconds);
	return depth + (int)sink; // not a tail call: every level keeps its frame
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	double seconds = argc > 2 ? atof(argv[2]) : 5.0;

	printf("pid=%d\n", getpid());
	fflush(stdout);
	if (strcmp(mode, "qsort") == 0)
		sort_forever(seconds);
	else if (strcmp(mode, "signal") == 0)
		signals(seconds);
	else if (strcmp(mode, "dlopen") == 0 && argc > 3)
		return plugin(seconds, argv[3]);
	else if (strcmp(mode, "deep") == 0 && argc > 3)
		return descend(atoi(argv[3]), seconds) == 0;
	else {
		fprintf(stderr, "usage: unwind_zoo qsort|signal|dlopen|deep SECONDS [LIB|DEPTH]\n");
		return 2;
	}
	return 0;
}
