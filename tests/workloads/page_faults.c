// Page faults with known counts, for the memory source's tests.
//
//   page_faults minor PAGES             prints "pid=N", waits for a line on stdin, maps PAGES fresh
//                                       anonymous pages and writes one byte to each in touch_pages (one
//                                       minor fault per page), prints "done", waits for a line, exits
//   page_faults major FILE PAGES        writes FILE (PAGES pages), drops it from the page cache with
//                                       posix_fadvise(DONTNEED), prints "pid=N", waits for a line, maps it
//                                       with readahead off (MADV_RANDOM) and reads one byte per page in
//                                       read_pages (a major fault per page not brought in meanwhile),
//                                       prints "done majflt=M", waits for a line, exits
//   page_faults hog MIB                 prints "pid=N", waits for a line, allocates and touches MIB MiB
//                                       in grow (inside a cgroup with a smaller limit it is OOM killed),
//                                       prints "survived"
//   page_faults loop PAGES SECONDS      prints "pid=N", then maps, touches and unmaps PAGES pages in
//                                       touch_pages over and over for SECONDS
//   page_faults rate PAGES SECONDS      the same without pauses, as fast as it can; prints
//                                       "faults_per_s=F" at the end (for benchmarks)
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static volatile uint64_t sink;

static void wait_line(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		exit(0);
}

__attribute__((noinline)) void touch_pages(volatile char *memory, long pages)
{
	for (long i = 0; i < pages; i++)
		memory[i * PAGE] = 1;
}

__attribute__((noinline)) void read_pages(volatile const char *memory, long pages)
{
	for (long i = 0; i < pages; i++)
		sink += memory[i * PAGE];
}

__attribute__((noinline)) void grow(long mib)
{
	for (long i = 0; i < mib; i++) {
		char *chunk = malloc(1 << 20);

		if (!chunk)
			return;
		memset(chunk, 1, 1 << 20);
	}
}

static char *map_anonymous(long pages)
{
	char *memory = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (memory == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return memory;
}

static long majflt(void)
{
	struct rusage usage;

	getrusage(RUSAGE_SELF, &usage);
	return usage.ru_majflt;
}

static int minor(long pages)
{
	char *memory;

	printf("pid=%d\n", getpid());
	fflush(stdout);
	wait_line();
	memory = map_anonymous(pages);
	touch_pages(memory, pages);
	printf("done\n");
	fflush(stdout);
	wait_line();
	munmap(memory, pages * PAGE);
	return 0;
}

static int major(const char *path, long pages)
{
	char *buffer = calloc(1, PAGE), *memory;
	long before;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || !buffer) {
		perror("open");
		return 1;
	}
	for (long i = 0; i < pages; i++) {
		buffer[0] = (char)i;
		if (write(fd, buffer, PAGE) != PAGE) {
			perror("write");
			return 1;
		}
	}
	/* Clean pages can be dropped: write them out first. */
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	wait_line();
	memory = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (memory == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(memory, pages * PAGE, MADV_RANDOM);
	before = majflt();
	read_pages(memory, pages);
	printf("done majflt=%ld\n", majflt() - before);
	fflush(stdout);
	wait_line();
	munmap(memory, pages * PAGE);
	close(fd);
	unlink(path);
	return 0;
}

static int hog(long mib)
{
	printf("pid=%d\n", getpid());
	fflush(stdout);
	wait_line();
	grow(mib);
	printf("survived\n");
	fflush(stdout);
	return 0;
}

static int loop(long pages, long seconds)
{
	time_t end = time(NULL) + seconds;

	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (time(NULL) < end) {
		char *memory = map_anonymous(pages);

		touch_pages(memory, pages);
		munmap(memory, pages * PAGE);
		usleep(10000);
	}
	return 0;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rate(long pages, double seconds)
{
	double start = seconds_now(), now;
	struct rusage before, after;

	getrusage(RUSAGE_SELF, &before);
	do {
		char *memory = map_anonymous(pages);

		touch_pages(memory, pages);
		munmap(memory, pages * PAGE);
		now = seconds_now();
	} while (now - start < seconds);
	getrusage(RUSAGE_SELF, &after);
	printf("faults_per_s=%.0f\n", (after.ru_minflt - before.ru_minflt) / (now - start));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "minor"))
		return minor(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "major"))
		return major(argv[2], atol(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "hog"))
		return hog(atol(argv[2]));
	if (argc >= 4 && !strcmp(argv[1], "loop"))
		return loop(atol(argv[2]), atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "rate"))
		return rate(atol(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: page_faults minor PAGES | major FILE PAGES | hog MIB | loop PAGES SECONDS | rate PAGES SECONDS\n");
	return 2;
}
