#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "profile.h"
#include "x509ext.h"

bool profile_host_valid(const char *host)
{
	uint8_t addr[16];

	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return true;
	return strncmp(host, "*.", 2) != 0 && x509ext_dns_valid(host);
}

static bool remote_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > PROFILE_REMOTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool port_parse(const char *s, uint16_t *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* One item, NUL-terminated in place. */
static int parse_one(char *item, struct profile_remote *r)
{
	char *eq = strchr(item, '='), *host = item, *port = NULL;

	memset(r, 0, sizeof(*r));
	r->port = PROFILE_DEFAULT_PORT;
	if (eq != NULL) {
		if (!remote_name_valid(item, (size_t)(eq - item)))
			return -EINVAL;
		memcpy(r->name, item, (size_t)(eq - item));
		host = eq + 1;
	}
	if (host[0] == '[') {
		char *close = strchr(host, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -EINVAL;
		*close = '\0';
		host++;
		if (close[1] == ':')
			port = close + 2;
	} else {
		char *colon = strchr(host, ':');

		/* One colon separates a port; more make it a bare IPv6 address. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (port != NULL && !port_parse(port, &r->port))
		return -EINVAL;
	if (strlen(host) > PROFILE_HOST_MAX || !profile_host_valid(host))
		return -EINVAL;
	memcpy(r->host, host, strlen(host) + 1);
	return 0;
}

int profile_parse_remotes(const char *spec, struct profile_remote *out, size_t max, char *err,
			  size_t err_size)
{
	char *copy = strdup(spec), *save = NULL, *item;
	size_t n = 0;
	int ret = 0;

	if (copy == NULL) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if (spec[0] == '\0' || spec[0] == ',' || spec[strlen(spec) - 1] == ',' ||
	    strstr(spec, ",,") != NULL) {
		snprintf(err, err_size, "empty item in \"%s\"", spec);
		ret = -EINVAL;
		goto out;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		char shown[300];

		snprintf(shown, sizeof(shown), "%s", item);
		if (n == max) {
			snprintf(err, err_size, "more than %zu remotes", max);
			ret = -EINVAL;
			goto out;
		}
		if (parse_one(item, &out[n]) < 0) {
			snprintf(err, err_size,
				 "\"%s\" is not [NAME=]HOST[:PORT] (HOST a DNS name or IP "
				 "address, PORT 1-65535)",
				 shown);
			ret = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (out[n].name[0] != '\0' && strcmp(out[i].name, out[n].name) == 0) {
				snprintf(err, err_size, "remote name \"%s\" given twice",
					 out[n].name);
				ret = -EINVAL;
				goto out;
			}
		n++;
	}
	ret = (int)n;
out:
	free(copy);
	return ret;
}

static json_t *remotes_json(const struct profile *p)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < p->n_remotes; i++) {
		const struct profile_remote *r = &p->remotes[i];
		json_t *o = r->name[0] != '\0'
				? json_pack("{s:s, s:s, s:i}", "name", r->name, "host", r->host,
					    "port", (int)r->port)
				: json_pack("{s:s, s:i}", "host", r->host, "port", (int)r->port);

		if (o == NULL || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

char *profile_dump(const struct profile *p)
{
	json_t *remotes = remotes_json(p), *root;
	char *text;

	if (remotes == NULL)
		return NULL;
	root = json_pack("{s:i, s:s, s:o, s:s, s:s, s:s, s:s}", "version", 1, "name", p->name,
			 "remotes", remotes, "server_name", p->server_name, "ca", p->ca_pem, "cert",
			 p->cert_pem, "key", p->key_pem);
	if (root == NULL)
		return NULL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}
