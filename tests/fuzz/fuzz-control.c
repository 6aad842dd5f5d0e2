/*
 * libFuzzer harness for control_parse(). Any input must parse or fail cleanly; a
 * message that parses must encode, and the encoding must parse back to the same
 * message (the encoder and the parser agree on every limit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static bool prefix_eq(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

static bool config_eq(const struct control_config *a, const struct control_config *b)
{
	if (a->version != b->version || !prefix_eq(&a->ipv4, &b->ipv4) ||
	    !addr_equal(&a->gateway4, &b->gateway4) || a->has_ipv6 != b->has_ipv6 ||
	    a->mtu != b->mtu || a->n_routes != b->n_routes || a->n_dns != b->n_dns ||
	    a->redirect_gateway != b->redirect_gateway ||
	    a->keepalive_interval != b->keepalive_interval ||
	    a->keepalive_timeout != b->keepalive_timeout)
		return false;
	if (a->has_ipv6 &&
	    (!prefix_eq(&a->ipv6, &b->ipv6) || !addr_equal(&a->gateway6, &b->gateway6)))
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (!prefix_eq(&a->routes[i], &b->routes[i]))
			return false;
	for (size_t i = 0; i < a->n_dns; i++)
		if (!addr_equal(&a->dns[i], &b->dns[i]))
			return false;
	return true;
}

static bool hello_eq(const struct control_hello *a, const struct control_hello *b)
{
	if (a->version != b->version || a->min_version != b->min_version ||
	    strcmp(a->software, b->software) != 0 || a->n_features != b->n_features)
		return false;
	for (size_t i = 0; i < a->n_features; i++)
		if (strcmp(a->features[i], b->features[i]) != 0)
			return false;
	return true;
}

static bool msg_eq(const struct control_msg *a, const struct control_msg *b)
{
	if (a->type != b->type || strcmp(a->type_name, b->type_name) != 0)
		return false;
	switch (a->type) {
	case CONTROL_HELLO:
		return hello_eq(&a->u.hello, &b->u.hello);
	case CONTROL_CONFIG:
		return config_eq(&a->u.config, &b->u.config);
	case CONTROL_PING:
	case CONTROL_PONG:
		return a->u.ping.seq == b->u.ping.seq && a->u.ping.time_us == b->u.ping.time_us;
	case CONTROL_BYE:
		return a->u.bye.reason == b->u.bye.reason &&
		       strcmp(a->u.bye.reason_text, b->u.bye.reason_text) == 0 &&
		       strcmp(a->u.bye.message, b->u.bye.message) == 0;
	default:
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct control_msg m, back;
	static uint8_t buf[CONTROL_MAX_PAYLOAD];
	char err[256];

	int rc = control_parse(data, size, &m, err, sizeof(err));
	if (rc != 0) {
		/* Errors always come with a message. */
		if (strncmp(err, "control message: ", 17) != 0 ||
		    memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (m.type == CONTROL_UNKNOWN)
		return 0;
	int n = control_encode(&m, buf, sizeof(buf));
	if (n <= 1 || buf[0] != CONTROL_FRAME_TYPE)
		abort();
	if (control_parse(buf, (size_t)n, &back, err, sizeof(err)) != 0)
		abort();
	if (!msg_eq(&m, &back))
		abort();
	return 0;
}
