/*
 * The client profile: one JSON file written by tlsvpn-certs that holds
 * everything a user needs (remotes, the server's name, the CA, the client's
 * certificate and key). Parsing is pure (text in, struct out) so that it can
 * be unit-tested and fuzzed; profile_load() adds the file checks.
 *
 * {"version": 1, "name": "alice",
 *  "remotes": [{"host": "198.18.1.1", "port": 443, "name": "de"}, ...],
 *  "server_name": "vpn.example.com", "ca": "<PEM>", "cert": "<PEM>", "key": "<PEM>"}
 *
 * Ownership: a struct profile owns its PEM strings; profile_free() wipes the
 * key before freeing it.
 */
#ifndef TLSVPN_CLIENT_PROFILE_H
#define TLSVPN_CLIENT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define PROFILE_VERSION	    1
#define PROFILE_MAX_REMOTES 32
#define PROFILE_HOST_MAX    254 /* a DNS name is at most 253 characters */
#define PROFILE_NAME_MAX    64
#define PROFILE_PEM_MAX	    (64 * 1024)

struct profile_remote {
	char host[PROFILE_HOST_MAX]; /* IP literal or DNS name, validated */
	uint16_t port;
	char name[PROFILE_NAME_MAX]; /* "" when the profile gives none */
};

struct profile {
	char name[PROFILE_NAME_MAX];
	struct profile_remote remotes[PROFILE_MAX_REMOTES];
	size_t n_remotes;
	char server_name[PROFILE_HOST_MAX]; /* the name verified in the server's certificate */
	char *ca_pem, *cert_pem, *key_pem;  /* owned, NUL-terminated */
};

/*
 * Parses profile text. file names the profile in error messages. Returns 0 with
 * *out set (caller frees with profile_free), or -EINVAL / -ENOMEM with err
 * naming the file, the key and what was expected.
 */
int profile_parse(const char *file, const char *text, size_t len, struct profile **out, char *err,
		  size_t err_len);

/*
 * Reads and parses the profile at path. Refuses a file with any group or other
 * permission bits (it holds a private key). Same returns as profile_parse.
 */
int profile_load(const char *path, struct profile **out, char *err, size_t err_len);

/* Wipes the key and frees everything. NULL is a no-op. */
void profile_free(struct profile *p);

/*
 * Narrows the remotes to those picked by --remote: first by name, else by host
 * (a "host" or "host:port" not in the profile becomes the only remote, still
 * verified against server_name). Returns 0, or -EINVAL with err set.
 */
int profile_select_remote(struct profile *p, const char *selector, char *err, size_t err_len);

#endif
