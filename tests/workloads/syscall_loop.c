// Spends its time in system calls, for kernel stack tests.
//
//   syscall_loop read SECONDS    read(2) 64 KiB from /dev/zero until SECONDS (wall) have passed:
//                                most samples land in the kernel (read_zero, clearing user memory)
//   syscall_loop getppid COUNT   exactly COUNT getppid(2) calls after a line arrives on stdin
//
// Prints "pid=N" first.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buffer[64 * 1024];

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void read_zero_loop(double seconds)
{
	uint64_t deadline = monotonic_ns() + (uint64_t)(seconds * 1e9);
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0) {
		perror("open /dev/zero");
		exit(1);
	}
	while (monotonic_ns() < deadline)
		for (int i = 0; i < 64; i++)
			if (read(fd, buffer, sizeof(buffer)) < 0) {
				perror("read");
				exit(1);
			}
	close(fd);
}

__attribute__((noinline)) static void getppid_loop(long count)
{
	// syscall(2), not the libc wrapper: exactly one system call per iteration, whatever libc does.
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s read SECONDS | getppid COUNT\n", argv[0]);
		return 2;
	}
	printf("pid=%d\n", getpid());
	fflush(stdout);
	if (strcmp(argv[1], "read") == 0) {
		read_zero_loop(atof(argv[2]));
	} else if (strcmp(argv[1], "getppid") == 0) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
		getppid_loop(atol(argv[2]));
		printf("done\n");
		fflush(stdout);
		// Stay until told to go, so the consumer can read everything while we still exist.
		if (!fgets(line, sizeof(line), stdin))
			return 0;
	} else {
		fprintf(stderr, "unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
