/*
 * Browser-test workload for the scheduler layer: two threads, ping and pong, pass a ball through two
 * pipes. Each computes for about 4 ms (CLOCK_MONOTONIC) and then writes to the other's pipe and
 * reads its own, so each sleeps about 4 ms in wait_for_ball until the other wakes it: on the thread
 * timeline the two tracks take turns, and each one's sleeps are woken by the other.
 *
 *   sched_pingpong [seconds]     (at most 300; it exits by itself)
 *
 * Built with frame pointers; the helpers between wait_for_ball/throw_ball and libc keep those two
 * functions on the stacks (a frame-pointer walk skips the caller of a libc function).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int to_pong[2], to_ping[2];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void work(double ms)
{
	volatile unsigned long acc = 1;
	double end = now() + ms / 1000;
	while (now() < end)
		for (int i = 0; i < 1000; i++)
			acc = acc * 3 + 1;
}

__attribute__((noinline)) int read_byte(int fd)
{
	char c;
	int n = (int)read(fd, &c, 1);
	__asm__ volatile("" ::: "memory");
	return n;
}

__attribute__((noinline)) int write_byte(int fd)
{
	char c = 'o';
	int n = (int)write(fd, &c, 1);
	__asm__ volatile("" ::: "memory");
	return n;
}

__attribute__((noinline)) void wait_for_ball(int fd)
{
	if (read_byte(fd) != 1)
		exit(0); /* the other side is gone */
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void throw_ball(int fd)
{
	if (write_byte(fd) != 1)
		exit(0);
	__asm__ volatile("" ::: "memory");
}

static void *pong(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "pong");
	for (;;) {
		wait_for_ball(to_pong[0]);
		work(4);
		throw_ball(to_ping[1]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 120;
	if (!(seconds > 0) || seconds > 300)
		seconds = 300;
	double end = now() + seconds;
	pthread_t thread;
	if (pipe(to_pong) != 0 || pipe(to_ping) != 0)
		return 1;
	pthread_setname_np(pthread_self(), "ping");
	if (pthread_create(&thread, NULL, pong, NULL) != 0)
		return 1;
	while (now() < end) {
		work(4);
		throw_ball(to_pong[1]);
		wait_for_ball(to_ping[0]);
	}
	return 0;
}
