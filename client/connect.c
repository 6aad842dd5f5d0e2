#include "connect.h"

#include <errno.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backoff.h"
#include "log.h"

#define MAX_ADDRS 8

struct cached {
	struct ip_addr addrs[MAX_ADDRS];
	size_t n;
};

struct connector {
	struct event_base *base;
	struct profile_remote remotes[PROFILE_MAX_REMOTES];
	struct cached cache[PROFILE_MAX_REMOTES];
	size_t n_remotes;
	unsigned timeout_s;
	struct connector_callbacks cb;
	void *arg;
	struct backoff backoff;

	size_t ri, ai; /* current remote, next address of it */
	bool resolved; /* cache[ri] is this round's answer */
	int fd;	       /* connect() in progress, or -1 */
	struct ip_addr cur;
	struct event *io;    /* EV_WRITE on fd, with the connect timeout */
	struct event *timer; /* next step or backoff delay */
};

static void step(struct connector *c);

static const char *label(const struct profile_remote *r)
{
	return r->name[0] != '\0' ? r->name : r->host;
}

static void cancel(struct connector *c)
{
	event_del(c->io);
	event_del(c->timer);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	step(arg);
}

static void schedule(struct connector *c, uint32_t ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	event_add(c->timer, &tv);
}

static void resolve(struct connector *c)
{
	const struct profile_remote *r = &c->remotes[c->ri];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL;
	struct cached fresh = {0};
	char q[LOG_QUOTE_MAX(PROFILE_HOST_MAX)];
	/* A literal address needs no resolver. getaddrinfo would still dump the
	 * host's addresses (AI_ADDRCONFIG) and look for nscd: 0.16 ms here, on
	 * the way to the first packet. */
	if (addr_parse(r->host, &fresh.addrs[0])) {
		fresh.n = 1;
		c->cache[c->ri] = fresh;
		return;
	}
	int rc = getaddrinfo(r->host, NULL, &hints, &res);
	if (rc != 0) {
		log_warn("event=resolve_failed remote=%s host=%s error=\"%s\"%s",
			 log_quote(label(r), q, sizeof(q)), r->host, gai_strerror(rc),
			 c->cache[c->ri].n > 0 ? " using=last_answer" : "");
		return;
	}
	for (struct addrinfo *ai = res; ai != NULL && fresh.n < MAX_ADDRS; ai = ai->ai_next) {
		uint16_t port;
		if (addr_from_sockaddr(ai->ai_addr, &fresh.addrs[fresh.n], &port) == 0)
			fresh.n++;
	}
	freeaddrinfo(res);
	if (fresh.n > 0)
		c->cache[c->ri] = fresh;
}

static void deliver(struct connector *c)
{
	int fd = c->fd;
	c->fd = -1;
	char a[ADDR_STRLEN], q[LOG_QUOTE_MAX(PROFILE_NAME_MAX)];
	log_info("event=tcp_connected remote=%s addr=%s port=%u",
		 log_quote(label(&c->remotes[c->ri]), q, sizeof(q)),
		 addr_format(&c->cur, a, sizeof(a)), c->remotes[c->ri].port);
	c->cb.connected(fd, &c->remotes[c->ri], &c->cur, c->arg);
}

static void failed(struct connector *c, const char *why)
{
	char a[ADDR_STRLEN], q[LOG_QUOTE_MAX(PROFILE_NAME_MAX)];
	log_warn("event=connect_failed remote=%s addr=%s port=%u error=\"%s\"",
		 log_quote(label(&c->remotes[c->ri]), q, sizeof(q)),
		 addr_format(&c->cur, a, sizeof(a)), c->remotes[c->ri].port, why);
	cancel(c);
	schedule(c, 0);
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
	struct connector *c = arg;
	if (what & EV_TIMEOUT) {
		char why[64];
		snprintf(why, sizeof(why), "no answer within %u s", c->timeout_s);
		failed(c, why);
		return;
	}
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	if (soerr != 0) {
		failed(c, strerror(soerr));
		return;
	}
	deliver(c);
}

/* Starts connect() to c->cur. false if it failed at once. */
static bool try_addr(struct connector *c)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (addr_to_sockaddr(&c->cur, c->remotes[c->ri].port, &ss, &sl) != 0)
		return false;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		failed(c, strerror(errno));
		return false;
	}
	int one = 1;
	/* Nagle would hold small control replies and break up batching. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		failed(c, strerror(errno));
		return false;
	}
	struct timeval tv = {.tv_sec = c->timeout_s};
	event_assign(c->io, c->base, fd, EV_WRITE, on_io, c);
	event_add(c->io, &tv);
	return true;
}

static void end_of_round(struct connector *c)
{
	uint32_t ms = backoff_next_ms(&c->backoff);
	log_info("event=all_remotes_failed retry_in_ms=%u", ms);
	c->ri = 0;
	c->ai = 0;
	c->resolved = false;
	schedule(c, ms);
}

static void step(struct connector *c)
{
	while (c->ri < c->n_remotes) {
		if (!c->resolved) {
			resolve(c);
			c->resolved = true;
			c->ai = 0;
		}
		const struct cached *k = &c->cache[c->ri];
		if (c->ai >= k->n) {
			c->ri++;
			c->resolved = false;
			continue;
		}
		c->cur = k->addrs[c->ai++];
		if (c->cb.before_connect != NULL && c->cb.before_connect(&c->cur, c->arg) < 0)
			continue;
		char a[ADDR_STRLEN], q[LOG_QUOTE_MAX(PROFILE_NAME_MAX)];
		log_info("event=connecting remote=%s addr=%s port=%u",
			 log_quote(label(&c->remotes[c->ri]), q, sizeof(q)),
			 addr_format(&c->cur, a, sizeof(a)), c->remotes[c->ri].port);
		/* On an immediate failure try_addr scheduled the next step. */
		try_addr(c);
		return;
	}
	end_of_round(c);
}

struct connector *connector_new(struct event_base *base, const struct profile_remote *remotes,
				size_t n, unsigned timeout_s, uint64_t seed,
				const struct connector_callbacks *cb, void *arg)
{
	if (n == 0 || n > PROFILE_MAX_REMOTES)
		return NULL;
	struct connector *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->base = base;
	memcpy(c->remotes, remotes, n * sizeof(*remotes));
	c->n_remotes = n;
	c->timeout_s = timeout_s > 0 ? timeout_s : CONNECT_TIMEOUT_DEFAULT;
	c->cb = *cb;
	c->arg = arg;
	c->fd = -1;
	backoff_init(&c->backoff, BACKOFF_BASE_MS, BACKOFF_MAX_MS, seed);
	c->io = event_new(base, -1, 0, on_io, c);
	c->timer = evtimer_new(base, on_timer, c);
	if (c->io == NULL || c->timer == NULL) {
		connector_free(c);
		return NULL;
	}
	return c;
}

void connector_free(struct connector *c)
{
	if (c == NULL)
		return;
	if (c->io != NULL && c->timer != NULL)
		cancel(c);
	if (c->io != NULL)
		event_free(c->io);
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
}

static void start_round(struct connector *c, uint32_t delay_ms)
{
	cancel(c);
	c->ri = 0;
	c->ai = 0;
	c->resolved = false;
	schedule(c, delay_ms);
}

void connector_start(struct connector *c)
{
	start_round(c, 0);
}

void connector_restart(struct connector *c, uint64_t up_ms)
{
	uint32_t ms = backoff_after_loss_ms(&c->backoff, up_ms);
	log_info("event=reconnect_wait ms=%u session_up_ms=%llu", ms, (unsigned long long)up_ms);
	start_round(c, ms);
}

void connector_next(struct connector *c)
{
	cancel(c);
	schedule(c, 0);
}

void connector_success(struct connector *c)
{
	backoff_reset(&c->backoff);
}

void connector_stop(struct connector *c)
{
	cancel(c);
}
