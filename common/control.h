/*
 * Control messages: the JSON object carried in a control frame after its 0x01 byte
 * (PROTOCOL.md section "Control messages" is the normative description).
 *
 * Pure codec: no I/O, no globals, no allocation that outlives a call. The parser
 * fills a caller-owned struct control_msg (fixed-size, no pointers into the input),
 * so the payload buffer may be reused as soon as control_parse() returns.
 */
#ifndef TLSVPN_CONTROL_H
#define TLSVPN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CONTROL_PROTOCOL_VERSION 1
/* Leading byte of a control frame's payload. */
#define CONTROL_FRAME_TYPE 0x01
/* Longest JSON text after the 0x01 byte. */
#define CONTROL_MAX_JSON 8192
/* Longest control frame payload (0x01 + JSON): what control_encode() may need. */
#define CONTROL_MAX_PAYLOAD (1 + CONTROL_MAX_JSON)
/*
 * Deepest nesting accepted (the top-level object is depth 1). Version 1 needs 2
 * (arrays of strings); 4 leaves room for structured fields that a later version adds
 * and this one ignores. Deeper input is refused before it reaches the JSON parser.
 */
#define CONTROL_MAX_DEPTH    4
#define CONTROL_MAX_ROUTES   64
#define CONTROL_MAX_DNS	     4
#define CONTROL_MAX_FEATURES 16
#define CONTROL_FEATURE_LEN  32 /* a feature name and its NUL */
/* The peer accepts GSO frames (PROTOCOL.md 3.1). */
#define CONTROL_FEATURE_GSO "gso"
/* Largest integer on the wire for seq/time_us: 2^53 - 1, exact in every JSON parser. */
#define CONTROL_MAX_JSON_INT 9007199254740991ULL

/* Limits of config values, checked by control_parse() and control_encode(). */
#define CONTROL_MTU_MIN		 576
#define CONTROL_MTU_MIN_IPV6	 1280
#define CONTROL_MTU_MAX		 65535
#define CONTROL_KEEPALIVE_MAX	 3600  /* keepalive_interval: 1..this seconds */
#define CONTROL_KEEPALIVE_TO_MAX 86400 /* keepalive_timeout: interval+1..this */

enum control_type {
	CONTROL_HELLO,
	CONTROL_CONFIG,
	CONTROL_PING,
	CONTROL_PONG,
	CONTROL_BYE,
	CONTROL_UNKNOWN
};

enum bye_reason {
	BYE_SHUTDOWN,
	BYE_REVOKED,
	BYE_KICKED,
	BYE_REPLACED,
	BYE_IDLE,
	BYE_PROTOCOL_ERROR,
	BYE_UNSUPPORTED_VERSION,
	BYE_SERVER_FULL,
	BYE_POOL_EXHAUSTED,
	BYE_CLIENT_EXIT,
	BYE_UNKNOWN
};

/* client -> server, first message. */
struct control_hello {
	uint32_t version;     /* highest protocol version the client speaks, >= 1 */
	uint32_t min_version; /* lowest it accepts, 1..version */
	char software[64];    /* e.g. "tlsvpn-client 0.1.0"; may be empty */
	char features[CONTROL_MAX_FEATURES][CONTROL_FEATURE_LEN];
	size_t n_features;
};

/* server -> client, answer to hello; no IP packet flows before it. */
struct control_config {
	uint32_t version;      /* negotiated protocol version */
	struct ip_prefix ipv4; /* client address + prefix len, e.g. 10.8.0.2/24 */
	bool has_ipv6;
	struct ip_prefix ipv6;	 /* valid if has_ipv6 */
	struct ip_addr gateway4; /* server's tunnel address */
	struct ip_addr gateway6; /* valid if has_ipv6 */
	unsigned mtu;		 /* CONTROL_MTU_MIN (CONTROL_MTU_MIN_IPV6 with IPv6)..MAX */
	struct ip_prefix routes[CONTROL_MAX_ROUTES]; /* network prefixes, host bits zero */
	size_t n_routes;
	bool redirect_gateway;
	struct ip_addr dns[CONTROL_MAX_DNS];
	size_t n_dns;
	unsigned keepalive_interval, keepalive_timeout; /* seconds */
	/* features of the client's hello that the server takes up */
	char features[CONTROL_MAX_FEATURES][CONTROL_FEATURE_LEN];
	size_t n_features;
};

/* ping and pong; a pong echoes the ping's seq and time_us unchanged. */
struct control_ping {
	uint64_t seq;	  /* 0..CONTROL_MAX_JSON_INT */
	uint64_t time_us; /* sender's clock, opaque to the receiver */
};

struct control_bye {
	enum bye_reason reason;
	char reason_text[32]; /* wire string; kept as received for BYE_UNKNOWN */
	char message[256];    /* human-readable detail, may be empty; peer data: quote it */
};

struct control_msg {
	enum control_type type;
	char type_name[32]; /* wire "type" string; kept as received for CONTROL_UNKNOWN */
	union {
		struct control_hello hello;
		struct control_config config;
		struct control_ping ping; /* CONTROL_PING and CONTROL_PONG */
		struct control_bye bye;
	} u;
};

/*
 * Parses a whole control frame payload, INCLUDING its leading 0x01 byte.
 * Returns 0 with *out filled, -EMSGSIZE if the JSON exceeds CONTROL_MAX_JSON, or
 * -EPROTO for anything else wrong; err (may be NULL) then holds a precise message:
 *   "control message: config.mtu: expected an integer 576..65535, got 70000"
 * Unknown fields are ignored. An unknown "type" returns 0 with CONTROL_UNKNOWN and
 * type_name set (the receiver ignores it). *out is unspecified after an error.
 */
int control_parse(const uint8_t *payload, size_t len, struct control_msg *out, char *err,
		  size_t err_len);

/*
 * Writes 0x01 + compact JSON of m into out. Returns the number of bytes written,
 * -ENOSPC if cap is too small (CONTROL_MAX_PAYLOAD always suffices), -EINVAL if m
 * holds a value control_parse() would refuse (or type CONTROL_UNKNOWN), -ENOMEM.
 * BYE_UNKNOWN is encoded with its reason_text. parse(encode(m)) reproduces m.
 */
int control_encode(const struct control_msg *m, uint8_t *out, size_t cap);

/* True if name is among features[0..n). */
bool control_has_feature(const char (*features)[CONTROL_FEATURE_LEN], size_t n, const char *name);

/* Fills m with a bye of this reason; message (NULL: none) is cut to the 255
 * bytes the protocol allows. */
void control_bye_init(struct control_msg *m, enum bye_reason reason, const char *message);
/* Wire strings: "shutdown", ..., "client_exit"; "unknown" for BYE_UNKNOWN/out of range. */
const char *control_bye_reason_name(enum bye_reason r);
/* "shutdown" -> BYE_SHUTDOWN ...; anything else -> BYE_UNKNOWN. s may be NULL. */
enum bye_reason control_bye_reason_parse(const char *s);
/* "hello", "config", "ping", "pong", "bye"; "unknown" otherwise. */
const char *control_type_name(enum control_type t);

/*
 * Version negotiation (server side): chosen = min(srv_max, h->version), accepted if it
 * is >= h->min_version and >= srv_min. Returns 0 with *chosen set, -EPROTONOSUPPORT if
 * there is no common version (answer: bye unsupported_version), -EINVAL if
 * srv_min > srv_max or srv_min == 0.
 */
int control_negotiate_version(const struct control_hello *h, uint32_t srv_min, uint32_t srv_max,
			      uint32_t *chosen);

#endif
