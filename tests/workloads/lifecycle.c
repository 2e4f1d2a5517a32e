// Goes through a process's life with known truth, one step per line on stdin, so that a test can
// check the process lifecycle source event by event:
//
//   lifecycle            prints "pid=N", then on "go":
//                          starts a thread, which the main thread renames to "ss_worker", and joins it;
//                          renames itself to "ss_renamed" (prctl PR_SET_NAME);
//                          forks a child that execs /bin/true and waits for it;
//                          prints "tid=T child=C", then on "exec": execs itself as "lifecycle stage2"
//   lifecycle stage2     prints "stage2", then on "exit" exits 0
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t renamed = PTHREAD_COND_INITIALIZER;
static int is_renamed;
static pid_t worker_tid;

static void wait_line(const char *expected)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin) || strncmp(line, expected, strlen(expected)) != 0)
		exit(2);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&renamed);
	// Exit only after the main thread renamed us: the rename must come before our exit.
	while (!is_renamed)
		pthread_cond_wait(&renamed, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	pid_t child;
	int status;
	char self[4096];
	ssize_t length;

	if (argc > 1 && strcmp(argv[1], "stage2") == 0) {
		printf("stage2\n");
		fflush(stdout);
		wait_line("exit");
		return 0;
	}

	printf("pid=%d\n", getpid());
	fflush(stdout);
	wait_line("go");

	pthread_create(&thread, NULL, worker, NULL);
	pthread_mutex_lock(&lock);
	while (worker_tid == 0)
		pthread_cond_wait(&renamed, &lock);
	pthread_mutex_unlock(&lock);
	// From the main thread: the kernel renames another task than the current one.
	pthread_setname_np(thread, "ss_worker");
	pthread_mutex_lock(&lock);
	is_renamed = 1;
	pthread_cond_broadcast(&renamed);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);

	prctl(PR_SET_NAME, "ss_renamed", 0, 0, 0);

	child = fork();
	if (child == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(child, &status, 0);

	printf("tid=%d child=%d\n", worker_tid, child);
	fflush(stdout);
	wait_line("exec");
	// By its real path: the name after exec is the file's base name, and /proc/self/exe's is "exe".
	length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length <= 0)
		return 1;
	self[length] = '\0';
	execl(self, "lifecycle", "stage2", (char *)NULL);
	return 1;
}
