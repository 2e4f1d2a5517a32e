// Loopback TCP with known truth, one process (a server thread and a client):
//
//   tcp_load transfer DELAY_MS SEND RECV   the client connects after DELAY_MS, sends SEND bytes, the
//                                          server reads them all and answers RECV bytes, both close
//   tcp_load backlog DELAY_MS N            a listener with backlog 1 that never accepts, then N
//                                          non-blocking connects to it: its accept queue overflows
//   tcp_load abort DELAY_MS                a connection the client aborts (SO_LINGER 0: a reset)
//
// DELAY_MS -1: wait for a line on stdin instead ("go": the session is attached).
// Prints "pid=N port=P" first (P: the server's port), then "done" when the traffic is over, and
// stays alive LINGER ms (env TCP_LOAD_LINGER_MS, default 1000) so a session sees the process exit after.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long send_bytes, recv_bytes;

static void wait_a_while(int delay_ms)
{
	char line[64];

	if (delay_ms >= 0)
		wait_a_while(delay_ms);
	else if (!fgets(line, sizeof(line), stdin))
		exit(1);
}
static int listener;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void write_all(int fd, long n)
{
	static char buffer[65536];

	while (n > 0) {
		ssize_t w = write(fd, buffer, n < (long)sizeof(buffer) ? (size_t)n : sizeof(buffer));

		if (w <= 0)
			die("write");
		n -= w;
	}
}

static void read_exactly(int fd, long n)
{
	static char buffer[65536];

	while (n > 0) {
		ssize_t r = read(fd, buffer, n < (long)sizeof(buffer) ? (size_t)n : sizeof(buffer));

		if (r <= 0)
			die("read");
		n -= r;
	}
}

static void *serve_one(void *arg)
{
	char byte;
	int fd = accept(listener, NULL, NULL);

	(void)arg;
	if (fd < 0)
		die("accept");
	read_exactly(fd, send_bytes);
	write_all(fd, recv_bytes);
	/* Wait for the client's close, then close: the client closes first. */
	while (read(fd, &byte, 1) > 0)
		;
	close(fd);
	return NULL;
}

static int listen_on_loopback(int backlog, int *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, backlog))
		die("listen");
	if (getsockname(fd, (struct sockaddr *)&addr, &len))
		die("getsockname");
	*port = ntohs(addr.sin_port);
	return fd;
}

static int connect_to(int port, int flags)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) && errno != EINPROGRESS)
		die("connect");
	return fd;
}

int main(int argc, char **argv)
{
	const char *linger = getenv("TCP_LOAD_LINGER_MS");
	int port, delay_ms;
	pthread_t server;

	if (argc < 3) {
		fprintf(stderr, "usage: tcp_load transfer|backlog|abort DELAY_MS [args]\n");
		return 2;
	}
	delay_ms = atoi(argv[2]);
	if (!strcmp(argv[1], "transfer") && argc == 5) {
		int fd;

		send_bytes = atol(argv[3]);
		recv_bytes = atol(argv[4]);
		listener = listen_on_loopback(16, &port);
		printf("pid=%d port=%d\n", getpid(), port);
		fflush(stdout);
		wait_a_while(delay_ms);
		if (pthread_create(&server, NULL, serve_one, NULL))
			die("pthread_create");
		fd = connect_to(port, 0);
		write_all(fd, send_bytes);
		read_exactly(fd, recv_bytes);
		close(fd);
		pthread_join(server, NULL);
		close(listener);
	} else if (!strcmp(argv[1], "backlog") && argc == 4) {
		int n = atoi(argv[3]), i, *fds;

		if (n < 1 || n > 1000)
			die("N must be 1..1000");
		fds = calloc(n, sizeof(*fds));
		listener = listen_on_loopback(1, &port);
		printf("pid=%d port=%d\n", getpid(), port);
		fflush(stdout);
		wait_a_while(delay_ms);
		for (i = 0; i < n; i++)
			fds[i] = connect_to(port, SOCK_NONBLOCK);
		/* Let SYN retries hit the full queue for a while. */
		sleep(2);
		for (i = 0; i < n; i++)
			close(fds[i]);
		close(listener);
	} else if (!strcmp(argv[1], "abort") && argc == 3) {
		struct linger hard = { .l_onoff = 1, .l_linger = 0 };
		int fd, accepted;

		listener = listen_on_loopback(16, &port);
		printf("pid=%d port=%d\n", getpid(), port);
		fflush(stdout);
		wait_a_while(delay_ms);
		fd = connect_to(port, 0);
		accepted = accept(listener, NULL, NULL);
		if (accepted < 0)
			die("accept");
		write_all(fd, 1000);
		read_exactly(accepted, 1000);
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard)))
			die("SO_LINGER");
		close(fd);
		usleep(100 * 1000);
		close(accepted);
		close(listener);
	} else {
		fprintf(stderr, "usage: tcp_load transfer DELAY_MS SEND RECV | backlog DELAY_MS N | abort DELAY_MS\n");
		return 2;
	}
	printf("done\n");
	fflush(stdout);
	usleep((linger ? atoi(linger) : 1000) * 1000);
	return 0;
}
