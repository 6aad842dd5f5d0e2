/*
 * lease-writer: the lease file's background writer (see lease-writer.h).
 *
 * One mutex guards everything the two threads share; the thread never holds
 * it while writing, so a hand-off from the loop waits at most for another
 * hand-off, never for a disk.
 */
#include "lease-writer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "log.h"
#include "pool.h"

struct lease_writer {
	char *path;
	pthread_t thread;
	bool joined; /* only the loop reads or writes it */

	pthread_mutex_t lock; /* guards the fields below */
	pthread_cond_t wake;  /* pending set, or stopping */
	char *pending;	      /* newest text not yet taken by the thread; owned */
	bool stopping;
	bool failed;
	char error[512]; /* the failed write's message */
};

static void write_one(struct lease_writer *w, char *text)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	int rc = pool_write_leases(w->path, text, strlen(text), err, sizeof err);
	free(text);
	if (rc < 0)
		log_warn("event=leases_save_failed error=%s", log_quote(err, q, sizeof q));
	pthread_mutex_lock(&w->lock);
	w->failed = rc < 0;
	if (rc < 0)
		snprintf(w->error, sizeof w->error, "%s", err);
	pthread_mutex_unlock(&w->lock);
}

static void *run(void *arg)
{
	struct lease_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->pending == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->pending == NULL)
			break; /* stopping, and nothing left to write */
		char *text = w->pending;
		w->pending = NULL;
		pthread_mutex_unlock(&w->lock);
		write_one(w, text);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Creates the thread with every signal blocked: it inherits the mask, and
 * the server's SIGTERM, SIGINT and SIGHUP must go to the loop's thread. */
static int start_thread(struct lease_writer *w)
{
	sigset_t all, old;
	sigfillset(&all);
	int rc = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (rc != 0)
		return -rc;
	rc = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

struct lease_writer *lease_writer_new(const char *path, char *err, size_t err_len)
{
	struct lease_writer *w = calloc(1, sizeof *w);
	if (w == NULL || (w->path = strdup(path)) == NULL) {
		free(w);
		errbuf_set(err, err_len, "%s: lease writer: out of memory", path);
		return NULL;
	}
	int rc = -pthread_mutex_init(&w->lock, NULL);
	if (rc < 0)
		goto fail;
	rc = -pthread_cond_init(&w->wake, NULL);
	if (rc < 0)
		goto fail_lock;
	rc = start_thread(w);
	if (rc < 0)
		goto fail_cond;
	return w;
fail_cond:
	pthread_cond_destroy(&w->wake);
fail_lock:
	pthread_mutex_destroy(&w->lock);
fail:
	errbuf_set(err, err_len, "%s: cannot start the lease writer thread: %s", path,
		   strerror(-rc));
	free(w->path);
	free(w);
	return NULL;
}

void lease_writer_put(struct lease_writer *w, char *text)
{
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		free(text);
		return;
	}
	free(w->pending); /* superseded before the thread took it */
	w->pending = text;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

bool lease_writer_failed(struct lease_writer *w, char *err, size_t err_len)
{
	pthread_mutex_lock(&w->lock);
	bool failed = w->failed;
	if (failed)
		errbuf_set(err, err_len, "%s", w->error);
	pthread_mutex_unlock(&w->lock);
	return failed;
}

void lease_writer_stop(struct lease_writer *w)
{
	if (w == NULL || w->joined)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->joined = true;
}

void lease_writer_free(struct lease_writer *w)
{
	if (w == NULL)
		return;
	lease_writer_stop(w);
	free(w->pending); /* NULL: the thread wrote everything before it ended */
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
