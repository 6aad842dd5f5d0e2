/* `tlsvpn-certs list`: what the index holds, with each certificate's state now and
 * when the CRL runs out. Reads only; takes the lock so it never sees half a change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "crl.h"
#include "msg.h"
#include "timestamp.h"

static json_t *iso(time_t t)
{
	char s[24];

	if (timestamp_format_iso(t, s, sizeof(s)) < 0)
		return json_null();
	return json_string(s);
}

static int list_json(const struct index *idx, time_t now)
{
	json_t *certs = json_array(), *root;
	char *text;

	for (size_t i = 0; certs != NULL && i < idx->n_entries; i++) {
		const struct index_entry *e = &idx->entries[i];
		char serial[2 * INDEX_SERIAL_MAX + 1];
		json_t *o;

		index_serial_hex(e->serial, e->serial_len, serial);
		o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "name", e->name, "kind",
			      index_kind_name(e->kind), "serial", serial, "not_before",
			      iso(e->not_before), "not_after", iso(e->not_after), "status",
			      index_state_name(index_state(e, now)));
		if (o != NULL && e->revoked &&
		    (json_object_set_new(o, "revoked_at", iso(e->revoked_at)) < 0 ||
		     json_object_set_new(o, "reason", json_string(crl_reason_name(e->reason))) <
			 0)) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(certs, o) < 0) {
			json_decref(certs);
			certs = NULL;
		}
	}
	if (certs == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	root = json_pack("{s:{s:s, s:o}, s:{s:I, s:o, s:o, s:b}, s:o}", "ca", "name", idx->ca_name,
			 "not_after", iso(idx->ca_not_after), "crl", "number",
			 (json_int_t)idx->crl_number, "this_update", iso(idx->crl_this_update),
			 "next_update", iso(idx->crl_next_update), "expired",
			 idx->crl_next_update <= now, "certs", certs);
	if (root == NULL ||
	    (text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(root);
		msg_err("out of memory");
		return -ENOMEM;
	}
	puts(text);
	free(text);
	json_decref(root);
	return 0;
}

static long days_until(time_t t, time_t now)
{
	return (long)((t - now) / 86400);
}

static void list_text(const struct index *idx, time_t now)
{
	char when[24];

	timestamp_format_iso(idx->ca_not_after, when, sizeof(when));
	printf("CA: %s, expires %s\n", idx->ca_name, when);
	printf("%-24s %-6s %-32s %-20s %s\n", "NAME", "KIND", "SERIAL", "EXPIRES", "STATUS");
	for (size_t i = 0; i < idx->n_entries; i++) {
		const struct index_entry *e = &idx->entries[i];
		char serial[2 * INDEX_SERIAL_MAX + 1], status[64];
		enum index_state st = index_state(e, now);

		index_serial_hex(e->serial, e->serial_len, serial);
		timestamp_format_iso(e->not_after, when, sizeof(when));
		if (st == INDEX_STATE_EXPIRING)
			snprintf(status, sizeof(status), "expires in %ld days",
				 days_until(e->not_after, now));
		else if (st == INDEX_STATE_REVOKED)
			snprintf(status, sizeof(status), "revoked (%s)",
				 crl_reason_name(e->reason));
		else
			snprintf(status, sizeof(status), "%s", index_state_name(st));
		printf("%-24s %-6s %-32s %-20s %s\n", e->name, index_kind_name(e->kind), serial,
		       when, status);
	}
	timestamp_format_iso(idx->crl_next_update, when, sizeof(when));
	if (idx->crl_next_update <= now)
		printf("CRL: EXPIRED at %s; servers reject every client until you run "
		       "`tlsvpn-certs crl`\n",
		       when);
	else
		printf("CRL: number %llu, next update %s (in %ld days); re-sign with "
		       "`tlsvpn-certs crl` before then\n",
		       (unsigned long long)idx->crl_number, when,
		       days_until(idx->crl_next_update, now));
}

int cmd_list(const struct cmd_opts *o)
{
	struct pki *pki = NULL;
	struct index *idx = NULL;
	int ret;

	if ((ret = pki_open(o->dir, &pki)) < 0 || (ret = pki_load_index(pki, &idx)) < 0)
		goto out;
	if (o->json)
		ret = list_json(idx, o->now);
	else
		list_text(idx, o->now);
out:
	index_free(idx);
	pki_close(pki);
	return ret;
}
