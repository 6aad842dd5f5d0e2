/*
 * lease-writer: writes the lease file on a thread of its own, so that its
 * fsyncs never stall the event loop (and with it every client's packets).
 *
 * The loop serialises the pool (pool_serialize) and hands the text over; the
 * thread writes it with pool_write_leases. Only the newest state matters: a
 * hand-off replaces, and frees, an older text the thread has not taken yet.
 * The thread logs a failed write (event=leases_save_failed) and raises a flag
 * the loop reads, so that the next lease saves again.
 *
 * Every function is for the one thread that made the writer (the loop); only
 * the writer's own thread runs alongside. Start it after dropping privileges:
 * a thread keeps the credentials and capabilities it was created with.
 */
#ifndef TLSVPN_SERVER_LEASE_WRITER_H
#define TLSVPN_SERVER_LEASE_WRITER_H

#include <stdbool.h>
#include <stddef.h>

struct lease_writer;

/* Copies path and starts the thread, with every signal blocked in it so that
 * signals keep reaching the loop. NULL with err set when the thread cannot
 * be started or memory is short: the caller then saves synchronously. */
struct lease_writer *lease_writer_new(const char *path, char *err, size_t err_len);

/* Hands text (malloc'd, NUL-terminated) to the thread, which owns it from
 * now on. Never waits for a write. After lease_writer_stop the text is freed
 * unwritten: the caller saves synchronously from then on. */
void lease_writer_put(struct lease_writer *w, char *text);

/* True when the thread's last write failed (until a later one succeeds);
 * then err (may be NULL) receives that write's error, which names the file. */
bool lease_writer_failed(struct lease_writer *w, char *err, size_t err_len);

/* Writes what is still pending, then ends and joins the thread. Returns once
 * the file holds the last text handed over, or that write has failed.
 * Idempotent; NULL: no-op. */
void lease_writer_stop(struct lease_writer *w);

/* Stops the writer if that is not done yet, and frees it. NULL: no-op. */
void lease_writer_free(struct lease_writer *w);

#endif
