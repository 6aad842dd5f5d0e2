/*
 * listener: accept with handshake caps and EMFILE backoff (see listener.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "listener.h"
#include "log.h"

/* Handshakes in progress from one source address. There are at most
 * max_handshakes of them, so a flat array scanned on accept is enough. */
struct source {
	struct ip_addr addr;
	unsigned count; /* 0: free slot */
};

struct listener {
	struct evconnlistener *evl;
	struct event *ev_resume; /* re-enables accepting after EMFILE */
	listener_accept_fn fn;
	void *arg;
	unsigned max_handshakes, max_per_source, handshakes;
	struct source *sources; /* max_handshakes slots */
	bool stopped;
};

static struct source *find_source(struct listener *l, const struct ip_addr *a, bool create)
{
	struct source *free_slot = NULL;
	for (unsigned i = 0; i < l->max_handshakes; i++) {
		struct source *s = &l->sources[i];
		if (s->count == 0) {
			if (free_slot == NULL)
				free_slot = s;
		} else if (addr_equal(&s->addr, a)) {
			return s;
		}
	}
	if (create && free_slot != NULL)
		free_slot->addr = *a;
	return create ? free_slot : NULL;
}

static void on_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	struct ip_addr src;
	char peer[ADDR_SOCKSTRLEN];
	addr_sockaddr_format(sa, peer, sizeof peer);
	if (addr_from_sockaddr(sa, &src, NULL) < 0) {
		close(fd);
		return;
	}
	if (l->handshakes >= l->max_handshakes) {
		log_warn("event=connection_refused peer=%s reason=too_many_handshakes limit=%u",
			 peer, l->max_handshakes);
		close(fd);
		return;
	}
	struct source *s = find_source(l, &src, true);
	if (s == NULL || s->count >= l->max_per_source) {
		log_warn("event=connection_refused peer=%s reason=too_many_handshakes_from_source "
			 "limit=%u",
			 peer, l->max_per_source);
		close(fd);
		return;
	}
	s->count++;
	l->handshakes++;
	int one = 1;
	/* small control messages and interactive packets must not wait for
	 * Nagle or delayed ACKs; batching happens in the channel instead */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	log_debug("event=accepted peer=%s handshakes=%u", peer, l->handshakes);
	l->fn(fd, sa, l->arg);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	if (!l->stopped)
		evconnlistener_enable(l->evl);
}

static void on_error(struct evconnlistener *evl, void *arg)
{
	struct listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* out of descriptors: stop accepting for a moment rather than spin
		 * on a readable listen socket (tmux does the same) */
		log_warn("event=accept_paused error=%s", strerror(err));
		evconnlistener_disable(evl);
		struct timeval tv = {1, 0};
		event_add(l->ev_resume, &tv);
		return;
	}
	log_warn("event=accept_failed error=%s", strerror(err));
}

struct listener *listener_new(struct event_base *base, const struct ip_addr *addr, uint16_t port,
			      unsigned max_handshakes, unsigned max_per_source,
			      listener_accept_fn fn, void *arg, char *err, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char a[ADDR_STRLEN];
	struct listener *l = calloc(1, sizeof *l);
	if (l == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	l->fn = fn;
	l->arg = arg;
	l->max_handshakes = max_handshakes;
	l->max_per_source = max_per_source;
	l->sources = calloc(max_handshakes, sizeof *l->sources);
	l->ev_resume = evtimer_new(base, on_resume, l);
	if (l->sources == NULL || l->ev_resume == NULL) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	if (addr_to_sockaddr(addr, port, &ss, &sslen) < 0) {
		snprintf(err, len, "bad listen address");
		goto fail;
	}
	l->evl = evconnlistener_new_bind(
	    base, on_accept, l, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    128, (struct sockaddr *)&ss, (int)sslen);
	if (l->evl == NULL) {
		snprintf(err, len, "cannot listen on %s port %u: %s",
			 addr_format(addr, a, sizeof a), port, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(l->evl, on_error);
	return l;
fail:
	listener_free(l);
	return NULL;
}

void listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->evl)
		evconnlistener_free(l->evl);
	if (l->ev_resume)
		event_free(l->ev_resume);
	free(l->sources);
	free(l);
}

void listener_handshake_done(struct listener *l, const struct ip_addr *src)
{
	if (l == NULL || l->handshakes == 0)
		return;
	l->handshakes--;
	struct source *s = find_source(l, src, false);
	if (s != NULL && s->count > 0)
		s->count--;
}

void listener_stop(struct listener *l)
{
	if (l == NULL)
		return;
	l->stopped = true;
	evconnlistener_disable(l->evl);
	event_del(l->ev_resume);
}
