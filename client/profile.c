#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "addr.h"
#include "cfg.h"

#define PROFILE_FILE_MAX (1024 * 1024)

/* Copies s for an error message, replacing anything unprintable, so that a
 * hostile profile cannot forge log lines. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* A DNS name: labels of [A-Za-z0-9-], 1..63 long, not starting or ending in
 * '-', joined by single dots; an optional final dot. */
static bool dns_name_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (!alnum && !(ch == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return s[n - 1] != '-';
}

static bool host_valid(const char *s)
{
	struct ip_addr a;
	return addr_parse(s, &a) || dns_name_valid(s);
}

static int get_host(struct cfg *c, json_t *obj, const char *path, const char *key, char *out,
		    size_t out_len)
{
	const char *s = NULL;
	char shown[80];
	int rc = cfg_string(c, obj, path, key, true, &s);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	if (strlen(s) >= out_len || !host_valid(s))
		return cfg_error(c, path, key, "expected an IP address or a DNS name, got \"%s\"",
				 printable(s, shown, sizeof(shown)));
	snprintf(out, out_len, "%s", s);
	return 0;
}

static int get_label(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
		     char *out, size_t out_len)
{
	const char *s = NULL;
	int rc = cfg_string(c, obj, path, key, required, &s);
	if (rc != 0)
		return rc;
	size_t n = strlen(s);
	if (n == 0 || n >= out_len)
		return cfg_error(c, path, key, "expected a name of 1..%zu characters", out_len - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			return cfg_error(c, path, key, "control character in name");
	}
	snprintf(out, out_len, "%s", s);
	return 0;
}

static int get_pem(struct cfg *c, json_t *obj, const char *key, char **out)
{
	const char *s = NULL;
	int rc = cfg_string(c, obj, "", key, true, &s);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	size_t n = strlen(s);
	if (n > PROFILE_PEM_MAX)
		return cfg_error(c, "", key, "PEM text longer than %d bytes", PROFILE_PEM_MAX);
	if (strstr(s, "-----BEGIN ") == NULL)
		return cfg_error(c, "", key, "expected PEM text (\"-----BEGIN ...\")");
	*out = strdup(s);
	return *out == NULL ? -ENOMEM : 0;
}

static int parse_remote(struct cfg *c, json_t *el, size_t idx, struct profile *p)
{
	char path[32];
	snprintf(path, sizeof(path), "remotes[%zu]", idx);
	if (!json_is_object(el))
		return cfg_error(c, "remotes", NULL, "element %zu: expected an object", idx);
	struct profile_remote *r = &p->remotes[idx];
	int rc = get_host(c, el, path, "host", r->host, sizeof(r->host));
	if (rc != 0)
		return rc;
	unsigned long port = 443;
	rc = cfg_uint(c, el, path, "port", false, 1, 65535, &port);
	if (rc < 0)
		return rc;
	r->port = (uint16_t)port;
	rc = get_label(c, el, path, "name", false, r->name, sizeof(r->name));
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < idx && r->name[0] != '\0'; i++)
		if (strcmp(p->remotes[i].name, r->name) == 0)
			return cfg_error(c, path, "name", "duplicate remote name \"%s\"", r->name);
	return 0;
}

static int parse_remotes(struct cfg *c, json_t *root, struct profile *p)
{
	json_t *arr = NULL;
	int rc = cfg_array(c, root, "", "remotes", true, &arr);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	size_t n = json_array_size(arr);
	if (n == 0 || n > PROFILE_MAX_REMOTES)
		return cfg_error(c, "", "remotes", "expected 1..%d remotes, got %zu",
				 PROFILE_MAX_REMOTES, n);
	for (size_t i = 0; i < n; i++) {
		rc = parse_remote(c, json_array_get(arr, i), i, p);
		if (rc != 0)
			return rc;
	}
	p->n_remotes = n;
	return 0;
}

static int parse_root(struct cfg *c, json_t *root, struct profile *p)
{
	unsigned long version = 0;
	int rc = cfg_uint(c, root, "", "version", true, 0, UINT32_MAX, &version);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	if (version != PROFILE_VERSION)
		return cfg_error(c, "", "version",
				 "profile version %lu is not supported (this client reads %d)",
				 version, PROFILE_VERSION);
	if ((rc = get_label(c, root, "", "name", true, p->name, sizeof(p->name))) != 0 ||
	    (rc = parse_remotes(c, root, p)) != 0 ||
	    (rc = get_host(c, root, "", "server_name", p->server_name, sizeof(p->server_name))) !=
		0 ||
	    (rc = get_pem(c, root, "ca", &p->ca_pem)) != 0 ||
	    (rc = get_pem(c, root, "cert", &p->cert_pem)) != 0 ||
	    (rc = get_pem(c, root, "key", &p->key_pem)) != 0)
		return rc < 0 ? rc : -EINVAL;
	return 0;
}

int profile_parse(const char *file, const char *text, size_t len, struct profile **out, char *err,
		  size_t err_len)
{
	struct cfg c = {.file = file};
	*out = NULL;
	json_t *root = cfg_load_buffer(&c, text, len);
	if (root == NULL) {
		snprintf(err, err_len, "%s", c.err);
		return -EINVAL;
	}
	struct profile *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_decref(root);
		snprintf(err, err_len, "%s: out of memory", file);
		return -ENOMEM;
	}
	int rc = parse_root(&c, root, p);
	json_decref(root);
	if (rc != 0) {
		if (rc == -ENOMEM)
			snprintf(err, err_len, "%s: out of memory", file);
		else
			snprintf(err, err_len, "%s", c.err);
		profile_free(p);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	*out = p;
	return 0;
}

int profile_load(const char *path, struct profile **out, char *err, size_t err_len)
{
	*out = NULL;
	int rc = cfg_check_private_file(path, err, err_len);
	if (rc != 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	char *text = malloc(PROFILE_FILE_MAX + 1);
	if (text == NULL) {
		close(fd);
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, text + len, PROFILE_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, err_len, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PROFILE_FILE_MAX) {
			rc = -EFBIG;
			snprintf(err, err_len, "%s: larger than %d bytes", path, PROFILE_FILE_MAX);
			break;
		}
	}
	close(fd);
	if (rc == 0)
		rc = profile_parse(path, text, len, out, err, err_len);
	/* The text holds the private key. */
	mbedtls_platform_zeroize(text, len);
	free(text);
	return rc;
}

void profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	if (p->key_pem != NULL) {
		mbedtls_platform_zeroize(p->key_pem, strlen(p->key_pem));
		free(p->key_pem);
	}
	free(p->ca_pem);
	free(p->cert_pem);
	free(p);
}

int profile_select_remote(struct profile *p, const char *selector, char *err, size_t err_len)
{
	size_t kept = 0;
	for (size_t i = 0; i < p->n_remotes; i++)
		if (strcmp(p->remotes[i].name, selector) == 0)
			p->remotes[kept++] = p->remotes[i];
	if (kept == 0)
		for (size_t i = 0; i < p->n_remotes; i++)
			if (strcmp(p->remotes[i].host, selector) == 0)
				p->remotes[kept++] = p->remotes[i];
	if (kept > 0) {
		p->n_remotes = kept;
		return 0;
	}
	/* Not in the profile: an explicit host[:port]. The server is still
	 * verified against the profile's server_name, so this cannot widen trust. */
	struct profile_remote r = {0};
	uint16_t port = 0;
	char shown[80];
	if (addr_hostport_parse(selector, 443, r.host, sizeof(r.host), &port) != 0 ||
	    !host_valid(r.host)) {
		snprintf(err, err_len,
			 "--remote %s: not a remote name in the profile, nor a host[:port]",
			 printable(selector, shown, sizeof(shown)));
		return -EINVAL;
	}
	r.port = port;
	p->remotes[0] = r;
	p->n_remotes = 1;
	return 0;
}
