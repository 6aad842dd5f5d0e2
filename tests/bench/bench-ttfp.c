/*
 * bench-ttfp: time to the first packet through a tunnel, for tests/bench/run.
 *
 *   bench-ttfp [--timeout S] [--pidfile F] [--log F] [--reset IP:PORT]
 *              HOST PORT [-- COMMAND...]
 *
 * Starts COMMAND (the VPN client; its output goes to --log) and, from the same
 * instant, opens a non-blocking TCP connection to HOST:PORT every millisecond,
 * keeping each attempt for up to 300 ms. The first attempt that completes its
 * handshake ends the probe: it prints "ms=T" (milliseconds since COMMAND was
 * started, or since the probe started without COMMAND) and exits 0; after
 * --timeout seconds it prints "ms=timeout" and exits 1. COMMAND keeps running
 * either way; its PID is written to --pidfile before the probe begins.
 * With --reset IP:PORT (and no COMMAND) it breaks the tunnel itself: it finds
 * the established TCP connections to IP:PORT in this network namespace, then
 * starts the clock and destroys them (SOCK_DESTROY, as ss -K does; the peer
 * gets a RST). Running ss -K as COMMAND would put its own start-up, about
 * 4 ms here, into the figure.
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
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	fprintf(stderr, "usage: bench-ttfp [--timeout S] [--pidfile F] [--log F] "
			"[--reset IP:PORT] HOST PORT [-- COMMAND...]\n");
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

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

/* Sends one sock_diag request for IPv4 TCP sockets; id NULL: a dump of the
 * established ones, else SOCK_DESTROY of that one. */
static int diag_send(int nl, const struct inet_diag_sockid *id)
{
	struct diag_req q = {
	    .nlh = {.nlmsg_len = sizeof(q), .nlmsg_flags = NLM_F_REQUEST},
	    .r = {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP},
	};
	if (id == NULL) {
		q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		q.nlh.nlmsg_flags |= NLM_F_DUMP;
		q.r.idiag_states = 1u << TCP_ESTABLISHED;
	} else {
		q.nlh.nlmsg_type = SOCK_DESTROY;
		q.nlh.nlmsg_flags |= NLM_F_ACK;
		q.r.idiag_states = ~0u;
		q.r.id = *id;
	}
	return send(nl, &q, sizeof(q), 0) == (ssize_t)sizeof(q) ? 0 : -1;
}

/* Finds the established TCP connections to dst, then sets *t0 and destroys
 * them. Returns how many were destroyed, or -1. */
static int reset_connections(const struct sockaddr_in *dst, double *t0)
{
	struct inet_diag_sockid ids[16];
	int n = 0, done = 0;
	char buf[16384];
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0 || diag_send(nl, NULL) != 0) {
		perror("bench-ttfp: sock_diag");
		if (nl >= 0)
			close(nl);
		return -1;
	}
	for (int end = 0; !end;) {
		ssize_t len = recv(nl, buf, sizeof(buf), 0);
		if (len <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				end = 1;
				break;
			}
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (m->id.idiag_dport == dst->sin_port &&
			    m->id.idiag_dst[0] == dst->sin_addr.s_addr && n < 16)
				ids[n++] = m->id;
		}
	}
	*t0 = now_ms();
	for (int k = 0; k < n; k++) {
		struct {
			struct nlmsghdr h;
			struct nlmsgerr e;
		} ack = {.e = {.error = -EIO}};
		if (diag_send(nl, &ids[k]) == 0 && recv(nl, &ack, sizeof(ack), 0) > 0 &&
		    ack.h.nlmsg_type == NLMSG_ERROR && ack.e.error == 0)
			done++;
		else
			fprintf(stderr, "bench-ttfp: SOCK_DESTROY refused: %s\n",
				strerror(-ack.e.error));
	}
	close(nl);
	return done;
}

int main(int argc, char **argv)
{
	double timeout = 20;
	const char *pidfile = NULL, *logf = NULL;
	const char *reset = NULL;
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
		else if (!strcmp(argv[i], "--reset"))
			reset = argv[i + 1];
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
	if (reset != NULL) {
		struct sockaddr_in rs = {.sin_family = AF_INET};
		char host[64];
		const char *colon = strrchr(reset, ':');
		if (colon == NULL || (size_t)(colon - reset) >= sizeof(host) || i < argc)
			usage();
		memcpy(host, reset, (size_t)(colon - reset));
		host[colon - reset] = '\0';
		if (inet_pton(AF_INET, host, &rs.sin_addr) != 1)
			usage();
		rs.sin_port = htons((uint16_t)atoi(colon + 1));
		int killed = reset_connections(&rs, &t0);
		if (killed <= 0) {
			fprintf(stderr, "bench-ttfp: no connection to %s reset\n", reset);
			return 1;
		}
	}
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
