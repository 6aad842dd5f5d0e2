/*
 * Reading a whole small file (config, leases, journal, resolv.conf) with a
 * size cap, so a huge or endless file (a FIFO, /dev/zero) cannot exhaust
 * memory; writing a buffer whole; making a rename durable. Not for secrets:
 * the buffer grows by realloc, which leaves copies behind; key files are read
 * by tls.c, which wipes them.
 */
#ifndef TLSVPN_FILEIO_H
#define TLSVPN_FILEIO_H

#include <stddef.h>

/*
 * Reads fd to its end. On success *out is a malloc'd buffer of *len bytes
 * plus a terminating NUL (the caller frees it). Returns 0, -EFBIG when the
 * file holds more than max bytes, -ENOMEM, or -errno of a failed read.
 */
int fileio_read_fd(int fd, size_t max, char **out, size_t *len);

/* Writes all len bytes of buf to fd, going on after short writes and EINTR.
 * 0 or -errno. */
int fileio_write_all(int fd, const void *buf, size_t len);

/* Fsyncs the directory that holds path, so that a rename into it survives a
 * crash. 0 or -errno; 0 also where the file system cannot sync a directory
 * (EINVAL), since there is nothing more to do there. */
int fileio_sync_parent_dir(const char *path);

#endif
