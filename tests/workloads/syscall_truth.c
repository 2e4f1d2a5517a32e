// Makes a known number of system calls, for the syscalls source's tests. After a line on stdin:
//
//   GETPPID getppid(2) calls, SLEEPS nanosleep(2) calls of 1 ms, MISSING openat(2) calls of a file that
//   does not exist (ENOENT), and one read(2) of a pipe that blocks ~50 ms until a thread writes to it;
//   then prints "done" and waits for another line before it exits.
//
//   syscall_truth GETPPID SLEEPS MISSING
//
// syscall(2), not the libc wrappers: exactly one system call of that name per call (glibc's
// nanosleep is clock_nanosleep, its open is openat). Prints "pid=N" first, and "reader=TID".
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int pipe_fds[2];

static void *late_writer(void *unused)
{
	struct timespec wait = { 0, 50 * 1000 * 1000 };

	(void)unused;
	nanosleep(&wait, NULL);
	if (write(pipe_fds[1], "x", 1) != 1)
		perror("write");
	return NULL;
}

__attribute__((noinline)) static void slow_pipe_read(void)
{
	pthread_t writer;
	char byte;

	if (pipe(pipe_fds) || pthread_create(&writer, NULL, late_writer, NULL)) {
		perror("pipe");
		exit(1);
	}
	if (syscall(SYS_read, pipe_fds[0], &byte, 1) != 1)
		perror("read");
	pthread_join(writer, NULL);
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000 * 1000 };
	long getppids, sleeps, missing;
	char line[16];

	if (argc < 4) {
		fprintf(stderr, "usage: %s GETPPID SLEEPS MISSING\n", argv[0]);
		return 2;
	}
	getppids = atol(argv[1]);
	sleeps = atol(argv[2]);
	missing = atol(argv[3]);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long i = 0; i < getppids; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < sleeps; i++)
		syscall(SYS_nanosleep, &ms, NULL);
	for (long i = 0; i < missing; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/systemscope-test", O_RDONLY);
	slow_pipe_read();
	printf("done\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return 0;
}
