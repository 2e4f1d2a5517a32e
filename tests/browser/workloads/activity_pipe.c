/*
 * Browser-test workload for the timeline's activity lane: thread "reader" waits about 120 ms at a
 * time in read(2) of a pipe, in a function named wait_for_data; thread "feeder" sleeps 120 ms and
 * writes one byte, in a loop. Every read is a slow system call for a threshold of 20 ms, on a file
 * descriptor that names the pipe (pipe:[inode]).
 *
 *   activity_pipe [seconds]     (at most 300; it exits by itself)
 *
 * Built with frame pointers. libc's read has none, so a frame-pointer walk from inside it skips the
 * function that called it: wait_for_data calls a helper (read_byte) that calls read, and the stack
 * reads reader → wait_for_data → read.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int pipe_fds[2];
static volatile int running = 1;

__attribute__((noinline)) static int read_byte(int fd)
{
	char byte;
	int n = (int)read(fd, &byte, 1);
	__asm__ volatile("" ::: "memory");
	return n;
}

__attribute__((noinline)) static int wait_for_data(void)
{
	int n = read_byte(pipe_fds[0]);
	__asm__ volatile("" ::: "memory");
	return n;
}

static void *reader(void *unused)
{
	(void)unused;
	pthread_setname_np(pthread_self(), "reader");
	while (wait_for_data() == 1)
		;
	return NULL;
}

static void *feeder(void *unused)
{
	struct timespec wait = { 0, 120 * 1000 * 1000 };

	(void)unused;
	pthread_setname_np(pthread_self(), "feeder");
	while (running) {
		nanosleep(&wait, NULL);
		if (write(pipe_fds[1], "x", 1) != 1)
			break;
	}
	close(pipe_fds[1]); /* the reader's read returns 0: it ends */
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 120;
	pthread_t r, f;

	if (seconds <= 0 || seconds > 300)
		seconds = 300;
	if (pipe(pipe_fds) || pthread_create(&r, NULL, reader, NULL) || pthread_create(&f, NULL, feeder, NULL)) {
		perror("activity_pipe");
		return 1;
	}
	sleep((unsigned)seconds);
	running = 0;
	pthread_join(f, NULL);
	pthread_join(r, NULL);
	return 0;
}
