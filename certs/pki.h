/*
 * pki: the PKI directory on disk: opening and locking it, reading its files, loading
 * the CA, and committing changes all-or-nothing.
 *
 * Layout of DIR: ca.crt, ca.key (0600), crl.pem, index.json, and NAME.crt, NAME.key
 * (0600) and, for clients, NAME.json (0600, the profile). index.json marks a tlsvpn
 * PKI.
 *
 * Atomicity: `init` builds the whole PKI in a fresh DIR.tlsvpn-tmp-XXXXXX next to DIR
 * and renames it into place. Other commands stage every file they change as a
 * temporary file in the target's directory (".NAME.tlsvpn-tmp-XXXXXX", fsync'd) and
 * rename them all at commit, index.json last, so index.json is the commit point. A
 * crash leaves at most stale temporaries, which the next pki_open removes.
 * Concurrent runs are serialised by an exclusive flock on DIR itself.
 *
 * Every function here reports its own errors with msg_err and returns 0 or -errno.
 * Objects are owned by the caller; every *_free accepts NULL.
 */
#ifndef TLSVPN_CERTS_PKI_H
#define TLSVPN_CERTS_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "index.h"

struct pki {
	char *dir; /* as given, trailing slashes removed */
	int dirfd; /* holds the lock */
};

/* Opens an existing PKI: DIR must exist and hold index.json. Takes the lock (fails at
 * once, naming DIR, when another run holds it) and removes stale temporaries. */
int pki_open(const char *dir, struct pki **out);
void pki_close(struct pki *pki);

/* "DIR/name" in buf. Returns 0 or -ENAMETOOLONG (reported). */
int pki_path(const struct pki *pki, const char *name, char *buf, size_t size);

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd buffer. With
 * secret, refuses a file with any group/other permission bit, naming it and its mode;
 * release a secret buffer with pki_secret_free. */
int pki_read_file(const char *path, size_t max, bool secret, char **buf, size_t *len);
void pki_secret_free(char *buf, size_t len);

/* Loads and parses DIR/index.json; a corrupted one is reported with the reason. */
int pki_load_index(struct pki *pki, struct index **out);

struct pki_ca {
	mbedtls_x509_crt crt;
	mbedtls_pk_context key;
	uint8_t key_id[20]; /* subjectKeyIdentifier of ca.crt */
	char *cert_pem;	    /* ca.crt as read, for profiles */
};

/* Loads ca.crt and ca.key (mode checked) and checks that they belong together. */
int pki_load_ca(struct pki *pki, struct pki_ca *ca);
void pki_ca_free(struct pki_ca *ca);

/* A set of staged files committed together. */
struct pki_txn;

struct pki_txn *pki_txn_new(void);
/* Writes data to a temporary file next to path with exactly the given mode. */
int pki_txn_stage(struct pki_txn *txn, const char *path, const void *data, size_t len, mode_t mode);
/* Renames every staged file into place, in staging order. */
int pki_txn_commit(struct pki_txn *txn);
/* Removes whatever was staged and not committed, then frees. */
void pki_txn_free(struct pki_txn *txn);

/* Building a new PKI for `init`. */
struct pki_init;

/* Checks that DIR is absent or an empty directory (refusing an existing CA or any
 * other content) and creates the temporary directory next to it. */
int pki_init_begin(const char *dir, struct pki_init **out);
int pki_init_write(struct pki_init *init, const char *name, const void *data, size_t len,
		   mode_t mode);
/* Renames the finished PKI to DIR. */
int pki_init_commit(struct pki_init *init);
/* Removes the temporary directory unless committed, then frees. */
void pki_init_free(struct pki_init *init);

#endif
