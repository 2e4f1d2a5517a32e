// Two threads that wake each other through a pair of pipes, back and forth: each one's wakeups
// must name the other as the waker.
//
//   pipe_pingpong SECONDS   prints "pid=N ping=TID pong=TID" then ping-pongs for SECONDS (wall)
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int to_pong[2], to_ping[2];
static uint64_t deadline;
static volatile pid_t pong_tid;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *pong(void *arg)
{
	char byte;

	(void)arg;
	pong_tid = (pid_t)syscall(SYS_gettid);
	while (read(to_pong[0], &byte, 1) == 1 && byte != 'q') {
		/* A little work so each side is seen running. */
		for (volatile int i = 0; i < 2000; i++)
			;
		if (write(to_ping[1], &byte, 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	pthread_t thread;
	char byte = 'x';

	if (pipe(to_pong) || pipe(to_ping) || pthread_create(&thread, NULL, pong, NULL))
		return 1;
	while (!pong_tid)
		usleep(100);
	printf("pid=%d ping=%d pong=%d\n", getpid(), (int)syscall(SYS_gettid), (int)pong_tid);
	fflush(stdout);
	deadline = monotonic_ns() + (uint64_t)(seconds * 1e9);
	while (monotonic_ns() < deadline) {
		if (write(to_pong[1], &byte, 1) != 1 || read(to_ping[0], &byte, 1) != 1)
			return 1;
		/* Pace it: a few hundred round trips a second keep every switch under the timeline's default
		 * cap (and the machine usable). */
		usleep(2000);
	}
	byte = 'q';
	(void)!write(to_pong[1], &byte, 1);
	pthread_join(thread, NULL);
	return 0;
}
