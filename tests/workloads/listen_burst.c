// A listener that accepts in bursts and a client that connects in bursts: with a short accept queue
// the bursts overflow it (TcpExt ListenOverflows), with a long one they fit.
//
//   listen_burst server PORT BACKLOG SECONDS   prints "pid=N"; every 100 ms accepts (and closes) all
//       pending connections; calls listen() again every 200 ms, as servers that re-apply their backlog
//       on reload do, so a raised net.core.somaxconn takes effect while it runs
//   listen_burst client PORT BURST SECONDS     prints "pid=N"; every 100 ms opens BURST connections to
//       127.0.0.1:PORT and closes those of the burst before
// Both end after SECONDS (wall), so a failed test never leaves load behind.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct sockaddr_in address(int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int server(int port, int backlog, double seconds)
{
	struct sockaddr_in a = address(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	double end = now() + seconds, relisten = 0;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		perror("server");
		return 1;
	}
	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (now() < end) {
		int c;

		nap_ms(100);
		while ((c = accept(fd, NULL, NULL)) >= 0)
			close(c);
		if (now() >= relisten) {
			listen(fd, backlog);
			relisten = now() + 0.2;
		}
	}
	return 0;
}

static int client(int port, int burst, double seconds)
{
	struct sockaddr_in a = address(port);
	int *open_fds = calloc(burst, sizeof(int)), n = 0;
	double end = now() + seconds;

	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (now() < end) {
		for (int i = 0; i < n; i++)
			close(open_fds[i]);
		n = 0;
		for (int i = 0; i < burst; i++) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

			if (fd < 0)
				break;
			if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
				close(fd);
				continue;
			}
			open_fds[n++] = fd;
		}
		nap_ms(100);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: listen_burst server PORT BACKLOG SECONDS | client PORT BURST SECONDS\n");
	return 2;
}
