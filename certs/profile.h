/*
 * profile: the single-file client profile `tlsvpn-certs client` hands to a user, and
 * the --remote list it is built from. Pure: text in, text out.
 *
 * Format (the client reads exactly these keys):
 *   {"version": 1, "name": "alice",
 *    "remotes": [{"host": "198.18.1.1", "port": 443},
 *                {"name": "de", "host": "vpn-de.example.com", "port": 8443}],
 *    "server_name": "vpn.example.com",
 *    "ca": "<PEM>", "cert": "<PEM>", "key": "<PEM>"}
 */
#ifndef TLSVPN_CERTS_PROFILE_H
#define TLSVPN_CERTS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROFILE_REMOTES_MAX	32
#define PROFILE_REMOTE_NAME_MAX 32
#define PROFILE_HOST_MAX	253
#define PROFILE_DEFAULT_PORT	443

struct profile_remote {
	char name[PROFILE_REMOTE_NAME_MAX + 1]; /* "" when none */
	char host[PROFILE_HOST_MAX + 1];	/* IPv6 without brackets */
	uint16_t port;
};

/* Parses "[NAME=]HOST[:PORT][,...]" into out (max entries); HOST is a DNS name, an
 * IPv4 address, or an IPv6 address ("[v6]:port" when a port follows). Returns the
 * number parsed, or -EINVAL and a one-line reason naming the item in err. */
int profile_parse_remotes(const char *spec, struct profile_remote *out, size_t max, char *err,
			  size_t err_size);

/* True for a host name or IP address literal a client can connect to and match. */
bool profile_host_valid(const char *host);

struct profile {
	const char *name;
	const struct profile_remote *remotes;
	size_t n_remotes;
	const char *server_name;
	const char *ca_pem, *cert_pem, *key_pem;
};

/* Returns the profile JSON (NUL-terminated, holds the private key: wipe before
 * free()), or NULL when out of memory. */
char *profile_dump(const struct profile *p);

#endif
