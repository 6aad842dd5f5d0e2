/*
 * config: server.json, parsed and validated into a plain struct.
 *
 * Schema (only listen, ca, cert, key and pool.ipv4 are required; defaults
 * in brackets; paths are relative to the directory of the config file):
 *   listen        "ADDR[:PORT]" IP literal, port [443]
 *   ca, cert, key paths; crl [none]
 *   tun           { name ["tlsvpn%d"], mtu 576..65535 [1500], offload [true] }
 *   pool          { ipv4 network prefix /8../30, ipv6 [none] network prefix /64../124 }
 *   leases        path ["leases.json"]; "" disables persistence
 *   push          { redirect_gateway [false], routes [[]] (<= 64 network prefixes),
 *                   dns [[]] (<= 4 addresses) }
 *   nat           { out_interface [no NAT], table ["tlsvpn"] }
 *   clients       { CN: { ipv4: address in pool.ipv4 } } pinned addresses [{}]
 *   client_to_client [false]
 *   keepalive     { interval 1..3600 [10], timeout interval+1..86400 [60] }
 *   limits        { max_clients 1..65536 [1024], handshake_timeout 1..300 [10],
 *                   max_handshakes 1..65536 [128], max_handshakes_per_source
 *                   1..max_handshakes [8], queue_bytes 16384..67108864 [262144] }
 *   user, group   drop privileges to them after start-up [stay root; group:
 *                 the user's primary group]
 *   log           { level error|warn|info|debug [info], syslog [false] }
 * Unknown keys are refused. Every error names the file and the key path.
 *
 * Ownership: every string in struct server_config is malloc'd and owned by
 * it; server_config_free() releases them (NULL ok, and safe on a zeroed or
 * partly filled struct).
 */
#ifndef TLSVPN_SERVER_CONFIG_H
#define TLSVPN_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "control.h"
#include "log.h"

#define SERVER_CN_MAX 64

struct server_pin {
	char cn[SERVER_CN_MAX + 1];
	struct ip_addr ipv4;
};

struct server_config {
	char *file; /* the config file as given */
	struct ip_addr listen_addr;
	uint16_t listen_port;
	char *ca, *cert, *key, *crl; /* resolved paths; crl NULL if none */
	char tun_name[16];
	unsigned mtu;
	bool tun_offload; /* ask the kernel for TSO on the TUN, and offer GSO frames */
	struct ip_prefix pool4;
	bool has_pool6;
	struct ip_prefix pool6;
	char *leases; /* resolved path; NULL: no persistence */
	bool redirect_gateway;
	struct ip_prefix routes[CONTROL_MAX_ROUTES];
	size_t n_routes;
	struct ip_addr dns[CONTROL_MAX_DNS];
	size_t n_dns;
	char nat_ifname[16]; /* "" : no NAT */
	char nat_table[32];
	struct server_pin *pins;
	size_t n_pins;
	bool client_to_client;
	unsigned keepalive_interval, keepalive_timeout;
	unsigned max_clients, handshake_timeout, max_handshakes, max_handshakes_per_source;
	size_t queue_bytes;
	char *user, *group; /* NULL: not set */
	enum log_level log_level;
	bool log_syslog;
};

/* Reads and validates path. 0, or -EINVAL/-ENOMEM with err ("FILE: KEY: ...").
 * *out is filled only on success; free it with server_config_free. */
int server_config_load(const char *path, struct server_config *out, char *err, size_t len);

/* Same from memory; file names the config in messages and anchors relative
 * paths. For tests and the fuzzer. */
int server_config_parse(const char *file, const char *text, size_t text_len,
			struct server_config *out, char *err, size_t len);

void server_config_free(struct server_config *c);

#endif
