/*
 * Config and profile helpers. Every failure leaves one complete sentence in c->err
 * naming the file, the key path and the expectation, so the callers (server config,
 * client profile, tlsvpn-certs) only pass it on.
 */
#include "fileio.h"
#include "jsonfmt.h"
#include "cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHOW_LEN 64

static const char *file_name(const struct cfg *c)
{
	return c->file != NULL ? c->file : "config";
}

static int verr(struct cfg *c, const char *path, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int verr(struct cfg *c, const char *path, const char *key, const char *fmt, va_list ap)
{
	size_t pos = 0;
	int n;
	bool has_path = path != NULL && path[0] != '\0';
	bool has_key = key != NULL && key[0] != '\0';
	if (has_path && has_key)
		n = snprintf(c->err, sizeof(c->err), "%s: %s.%s: ", file_name(c), path, key);
	else if (has_path || has_key)
		n = snprintf(c->err, sizeof(c->err), "%s: %s: ", file_name(c),
			     has_path ? path : key);
	else
		n = snprintf(c->err, sizeof(c->err), "%s: ", file_name(c));
	if (n > 0)
		pos = (size_t)n < sizeof(c->err) ? (size_t)n : sizeof(c->err) - 1;
	if (pos < sizeof(c->err) - 1)
		vsnprintf(c->err + pos, sizeof(c->err) - pos, fmt, ap);
	return -EINVAL;
}

int cfg_error(struct cfg *c, const char *path, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = verr(c, path, key, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- loading ---- */

static json_t *load(struct cfg *c, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (jerr.line > 0)
			snprintf(c->err, sizeof(c->err), "%s:%d:%d: %s", file_name(c), jerr.line,
				 jerr.column, jerr.text);
		else
			snprintf(c->err, sizeof(c->err), "%s: %s", file_name(c), jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		cfg_error(c, NULL, NULL, "expected a JSON object at the top level");
		json_decref(root);
		return NULL;
	}
	return root;
}

json_t *cfg_load_buffer(struct cfg *c, const char *text, size_t len)
{
	c->err[0] = '\0';
	if (text == NULL) {
		cfg_error(c, NULL, NULL, "no text");
		return NULL;
	}
	if (len > CFG_MAX_FILE_SIZE) {
		cfg_error(c, NULL, NULL, "larger than %d bytes", CFG_MAX_FILE_SIZE);
		return NULL;
	}
	return load(c, text, len);
}

static char *read_file(struct cfg *c, int fd, size_t *len)
{
	char *buf = NULL;
	int rc = fileio_read_fd(fd, CFG_MAX_FILE_SIZE, &buf, len);
	if (rc == -EFBIG)
		cfg_error(c, NULL, NULL, "larger than %d bytes", CFG_MAX_FILE_SIZE);
	else if (rc < 0)
		cfg_error(c, NULL, NULL, "cannot read: %s", strerror(-rc));
	return rc < 0 ? NULL : buf;
}

json_t *cfg_load_file(struct cfg *c, const char *path)
{
	c->err[0] = '\0';
	if (c->file == NULL)
		c->file = path;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cfg_error(c, NULL, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		cfg_error(c, NULL, NULL, "not a regular file");
		close(fd);
		return NULL;
	}
	size_t len = 0;
	char *text = read_file(c, fd, &len);
	close(fd);
	if (text == NULL)
		return NULL;
	json_t *root = load(c, text, len);
	free(text);
	return root;
}

/* ---- getters ---- */

/* NULL with rc = 1 (absent, optional) or rc = -EINVAL (absent, required). */
static json_t *lookup(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
		      int *rc)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		*rc = required ? cfg_error(c, path, key, "required key is missing") : 1;
	else
		*rc = 0;
	return v;
}

static int expected(struct cfg *c, const char *path, const char *key, const char *what,
		    const json_t *v)
{
	char s[SHOW_LEN];
	return cfg_error(c, path, key, "expected %s, got %s", what, jsonfmt_value(v, s, sizeof(s)));
}

int cfg_string_value(struct cfg *c, json_t *v, const char *path, const char *key, const char **out)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return expected(c, path, key, "a string", v);
	*out = json_string_value(v);
	return 0;
}

int cfg_string(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       const char **out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	return v == NULL ? rc : cfg_string_value(c, v, path, key, out);
}

int cfg_uint(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     unsigned long min, unsigned long max, unsigned long *out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
	if (!json_is_integer(v) || i < 0 || (unsigned long long)i < min ||
	    (unsigned long long)i > max) {
		char what[80];
		snprintf(what, sizeof(what), "an integer %lu..%lu", min, max);
		return expected(c, path, key, what, v);
	}
	*out = (unsigned long)i;
	return 0;
}

int cfg_bool(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     bool *out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	if (!json_is_boolean(v))
		return expected(c, path, key, "true or false", v);
	*out = json_is_true(v);
	return 0;
}

int cfg_object(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       json_t **out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	if (!json_is_object(v))
		return expected(c, path, key, "an object", v);
	*out = v;
	return 0;
}

int cfg_array(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	      json_t **out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	if (!json_is_array(v))
		return expected(c, path, key, "an array", v);
	*out = v;
	return 0;
}

/* A string no longer than max - 1 without embedded NUL, for the addr.h parsers. */
static const char *short_string(json_t *v, size_t max)
{
	if (!json_is_string(v) || json_string_length(v) >= max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

int cfg_addr_value(struct cfg *c, json_t *v, const char *path, const char *key, struct ip_addr *out)
{
	const char *s = short_string(v, ADDR_STRLEN);
	struct ip_addr a;
	if (s == NULL || !addr_parse(s, &a))
		return expected(c, path, key, "an IP address like 10.8.0.1 or fd00:8::1", v);
	*out = a;
	return 0;
}

int cfg_addr(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     struct ip_addr *out)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	return v == NULL ? rc : cfg_addr_value(c, v, path, key, out);
}

int cfg_prefix_value(struct cfg *c, json_t *v, const char *path, const char *key,
		     struct ip_prefix *out, bool must_be_network)
{
	const char *s = short_string(v, PREFIX_STRLEN);
	struct ip_prefix p;
	if (s == NULL || !addr_prefix_parse(s, &p))
		return expected(c, path, key, "a prefix like 10.8.0.0/24", v);
	if (must_be_network && !addr_prefix_is_network(&p)) {
		char sv[SHOW_LEN];
		return cfg_error(c, path, key,
				 "expected a network prefix with no host bits set, like "
				 "10.8.0.0/24, got %s",
				 jsonfmt_value(v, sv, sizeof(sv)));
	}
	*out = p;
	return 0;
}

int cfg_prefix(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       struct ip_prefix *out, bool must_be_network)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	return v == NULL ? rc : cfg_prefix_value(c, v, path, key, out, must_be_network);
}

int cfg_hostport(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
		 uint16_t default_port, char *host, size_t host_len, uint16_t *port)
{
	int rc;
	json_t *v = lookup(c, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	const char *s = short_string(v, 512);
	if (s == NULL || addr_hostport_parse(s, default_port, host, host_len, port) != 0)
		return expected(c, path, key, "host:port like vpn.example.com:443 or [fd00::1]:443",
				v);
	return 0;
}

static bool is_plain_name(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)s[n];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return n > 0 && n < 48;
}

int cfg_reject_unknown(struct cfg *c, json_t *obj, const char *path, const char *const allowed[])
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (ok)
			continue;
		char list[256];
		size_t pos = 0;
		list[0] = '\0';
		for (size_t i = 0; allowed[i] != NULL && pos < sizeof(list) - 1; i++) {
			int n = snprintf(list + pos, sizeof(list) - pos, "%s%s", i ? ", " : "",
					 allowed[i]);
			if (n < 0)
				break;
			pos += (size_t)n;
		}
		/* The key is file data: shown raw only if it is a plain name, else escaped. */
		char shown[SHOW_LEN];
		json_t *k = NULL;
		const char *ks = key;
		if (!is_plain_name(key)) {
			k = json_stringn(key, strlen(key));
			ks = k != NULL ? jsonfmt_value(k, shown, sizeof(shown)) : "?";
		}
		bool has_path = path != NULL && path[0] != '\0';
		int rc = cfg_error(c, NULL, NULL, "%s%s%s: unknown key (allowed: %s)",
				   has_path ? path : "", has_path ? "." : "", ks, list);
		json_decref(k);
		return rc;
	}
	return 0;
}

/* ---- files ---- */

char *cfg_resolve_path(const char *config_file, const char *rel)
{
	if (config_file == NULL || rel == NULL || rel[0] == '\0')
		return NULL;
	const char *slash = strrchr(config_file, '/');
	if (rel[0] == '/' || slash == NULL)
		return strdup(rel);
	size_t dir_len = (size_t)(slash - config_file) + 1; /* keeps the '/' */
	size_t rel_len = strlen(rel);
	if (dir_len > SIZE_MAX - rel_len - 1)
		return NULL;
	char *p = malloc(dir_len + rel_len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, config_file, dir_len);
	memcpy(p + dir_len, rel, rel_len + 1);
	return p;
}

int cfg_check_private_file(const char *path, char *err, size_t len)
{
	struct stat st;
	char dummy[1];
	if (err == NULL || len == 0) {
		err = dummy;
		len = sizeof(dummy);
	}
	err[0] = '\0';
	if (stat(path, &st) != 0) {
		int rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "%s: not a regular file", path);
		return -EPERM;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, len, "%s: mode %04o allows access by group or others; chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}
