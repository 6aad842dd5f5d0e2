/*
 * bench-ttfp: time to the first packet through a tunnel, for tests/bench/run.
 *
 *   bench-ttfp [--timeout S] [--pidfile F] [--log F] [--wait 1] HOST PORT
 *              [-- COMMAND...]
 *
 * Starts COMMAND (the VPN client; its output goes to --log) and, from the same
 * instant, opens a non-blocking TCP connection to HOST:PORT every millisecond,
 * keeping each attempt for up to 300 ms. The first attempt that completes its
 * handshake ends the probe: it prints "ms=T" (milliseconds since COMMAND was
 * started, or since the probe started without COMMAND) and exits 0; after
 * --timeout seconds it prints "ms=timeout" and exits 1. COMMAND keeps running
 * either way; its PID is written to --pidfile before the probe begins.
 * With --wait 1 the probe begins only once COMMAND has exited (COMMAND breaks
 * the tunnel, e.g. ss -K), but the clock still starts when it is started.
 *
 * The probed host must be reachable only through the tunnel (tests/bench/run
 * gives it no route back to the client otherwise), so a completed TCP
 * handshake means a packet went through the tunnel both ways.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, ppoll, RTLD_NEXT */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 300 /* attempts alive at once: 300 ms at one per ms */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-ttfp [--timeout S] [--pidfile F] [--log F] [--wait 1] HOST PORT "
		"[-- COMMAND...]\n");
	exit(2);
}

static pid_t spawn(char **argv, const char *logf)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("bench-ttfp: fork");
		exit(1);
	}
	if (pid == 0) {
		int fd = open(logf ? logf : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		execvp(argv[0], argv);
		perror("bench-ttfp: exec");
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	double timeout = 20;
	const char *pidfile = NULL, *logf = NULL;
	int wait_cmd = 0;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--timeout"))
			timeout = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--pidfile"))
			pidfile = argv[i + 1];
		else if (!strcmp(argv[i], "--log"))
			logf = argv[i + 1];
		else if (!strcmp(argv[i], "--wait"))
			wait_cmd = atoi(argv[i + 1]);
		else
			usage();
	}
	if (argc - i < 2)
		usage();
	struct sockaddr_in sa = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, argv[i], &sa.sin_addr) != 1)
		usage();
	sa.sin_port = htons((uint16_t)atoi(argv[i + 1]));
	i += 2;
	double t0 = now_ms();
	if (i < argc) {
		if (strcmp(argv[i], "--") != 0 || i + 1 >= argc)
			usage();
		pid_t pid = spawn(argv + i + 1, logf);
		if (pidfile != NULL) {
			FILE *f = fopen(pidfile, "w");
			if (f != NULL) {
				fprintf(f, "%d\n", (int)pid);
				fclose(f);
			}
		}
		if (wait_cmd)
			waitpid(pid, NULL, 0);
	}
	struct pollfd pf[WINDOW];
	for (int k = 0; k < WINDOW; k++)
		pf[k].fd = -1;
	int slot = 0;
	double next = t0;
	while (now_ms() - t0 < timeout * 1e3) {
		double t = now_ms();
		if (t >= next) {
			if (pf[slot].fd >= 0)
				close(pf[slot].fd);
			pf[slot].fd = -1;
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd >= 0) {
				if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
					printf("ms=%.1f\n", now_ms() - t0);
					return 0;
				}
				if (errno == EINPROGRESS) {
					pf[slot].fd = fd;
					pf[slot].events = POLLOUT;
				} else {
					close(fd); /* no route yet, say */
				}
			}
			slot = (slot + 1) % WINDOW;
			next += 1.0;
			if (next < t)
				next = t + 1.0;
		}
		double wait = next - now_ms();
		if (wait < 0)
			wait = 0;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(wait * 1e6)};
		if (ppoll(pf, WINDOW, &ts, NULL) <= 0)
			continue;
		for (int k = 0; k < WINDOW; k++) {
			if (pf[k].fd < 0 || pf[k].revents == 0)
				continue;
			int err = 0;
			socklen_t sl = sizeof(err);
			getsockopt(pf[k].fd, SOL_SOCKET, SO_ERROR, &err, &sl);
			if (err == 0) {
				printf("ms=%.1f\n", now_ms() - t0);
				return 0;
			}
			close(pf[k].fd);
			pf[k].fd = -1;
		}
	}
	printf("ms=timeout\n");
	return 1;
}
