// Writes a known number of bytes with O_DIRECT to a new file, so that every byte reaches the disk as
// a block request submitted by this thread (no page cache, no flusher).
//
//   direct_writer DIR MIB [wait|exit]
//
// Creates a file in DIR and prints "pid=N tid=N dev=MAJ:MIN path=P" (dev: the device holding the file),
// then waits for a line on stdin, writes MIB MiB in 1 MiB writes, fsyncs, prints "done bytes=N", and
// then either waits for stdin to close (wait, the default) or exits at once (exit). The file is removed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK (1 << 20)

int main(int argc, char **argv)
{
	char path[4096], line[64];
	struct stat st;
	void *buffer;
	long long written = 0;
	int fd, mib, i;

	if (argc < 3) {
		fprintf(stderr, "usage: direct_writer DIR MIB [wait|exit]\n");
		return 2;
	}
	mib = atoi(argv[2]);
	snprintf(path, sizeof(path), "%s/systemscope-direct-%d", argv[1], getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		return 1;
	}
	/* Aligned for O_DIRECT; non-zero so that nothing could be skipped as zeroes. */
	if (posix_memalign(&buffer, 4096, CHUNK) != 0)
		return 1;
	memset(buffer, 0x5a, CHUNK);
	printf("pid=%d tid=%ld dev=%u:%u path=%s\n", getpid(), (long)syscall(SYS_gettid), major(st.st_dev), minor(st.st_dev), path);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		unlink(path);
		return 0;
	}
	for (i = 0; i < mib; i++) {
		ssize_t n = write(fd, buffer, CHUNK);

		if (n != CHUNK) {
			perror("write");
			unlink(path);
			return 1;
		}
		written += n;
	}
	fsync(fd);
	close(fd);
	unlink(path);
	printf("done bytes=%lld\n", written);
	fflush(stdout);
	if (argc > 3 && strcmp(argv[3], "exit") == 0)
		return 0;
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
