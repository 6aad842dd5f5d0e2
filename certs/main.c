/* tlsvpn-certs: command line parsing and dispatch; the commands live in cmd-*.c. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "cmd.h"
#include "crl.h"
#include "msg.h"

enum opt {
	OPT_DIR = 'd',
	OPT_HELP = 'h',
	OPT_OUTPUT = 'o',
	OPT_VERSION = 'V',
	OPT_NAME = 256,
	OPT_DAYS,
	OPT_KEY,
	OPT_SAN,
	OPT_REMOTE,
	OPT_SERVER_NAME,
	OPT_RENEW,
	OPT_REASON,
	OPT_CRL_DAYS,
	OPT_JSON,
	OPT_NOT_BEFORE,
	OPT_NOT_AFTER,
};

static const struct option options[] = {
    {"dir", required_argument, NULL, OPT_DIR},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"name", required_argument, NULL, OPT_NAME},
    {"days", required_argument, NULL, OPT_DAYS},
    {"key", required_argument, NULL, OPT_KEY},
    {"san", required_argument, NULL, OPT_SAN},
    {"remote", required_argument, NULL, OPT_REMOTE},
    {"server-name", required_argument, NULL, OPT_SERVER_NAME},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"renew", no_argument, NULL, OPT_RENEW},
    {"reason", required_argument, NULL, OPT_REASON},
    {"crl-days", required_argument, NULL, OPT_CRL_DAYS},
    {"json", no_argument, NULL, OPT_JSON},
    {"not-before", required_argument, NULL, OPT_NOT_BEFORE},
    {"not-after", required_argument, NULL, OPT_NOT_AFTER},
    {NULL, 0, NULL, 0},
};

/* Which options each command accepts (besides --dir, --help, --version), whether it
 * takes a NAME operand, and the type of the key it makes unless --key says otherwise.
 *
 * The CA's key is RSA and the others EC because of what each key does in a
 * handshake. Each one checks two or three signatures made by the CA (both peers'
 * certificates, and the CRL if the server has one) and, per peer key, one signature
 * made and one checked. With mbedTLS 2.28 checking costs about 0.15 ms for RSA 3072 and
 * 1-3 ms for P-256, while signing costs 4 ms or more for RSA and 0.7 ms for P-256.
 * The CA signs only at issue time, so RSA suits it; P-256 suits the peer keys. Both
 * give about 128-bit security. */
static const struct command {
	const char *name;
	int (*run)(const struct cmd_opts *);
	bool takes_name;
	enum keys_type key;
	int allowed[12];
} commands[] = {
    {"init", cmd_init, false, KEYS_RSA_3072, {OPT_NAME, OPT_DAYS, OPT_KEY, OPT_CRL_DAYS}},
    {"server",
     cmd_server,
     true,
     KEYS_EC_P256,
     {OPT_SAN, OPT_DAYS, OPT_KEY, OPT_RENEW, OPT_CRL_DAYS, OPT_NOT_BEFORE, OPT_NOT_AFTER}},
    {"client",
     cmd_client,
     true,
     KEYS_EC_P256,
     {OPT_REMOTE, OPT_SERVER_NAME, OPT_DAYS, OPT_OUTPUT, OPT_KEY, OPT_RENEW, OPT_CRL_DAYS,
      OPT_NOT_BEFORE, OPT_NOT_AFTER}},
    {"revoke", cmd_revoke, true, KEYS_EC_P256, {OPT_REASON, OPT_CRL_DAYS}},
    {"crl", cmd_crl, false, KEYS_EC_P256, {OPT_CRL_DAYS}},
    {"list", cmd_list, false, KEYS_EC_P256, {OPT_JSON}},
};

static const char usage_text[] =
    "Usage: tlsvpn-certs COMMAND [--dir DIR] [OPTIONS]\n"
    "Manage the certificate authority of a tlsvpn server (DIR defaults to ./pki).\n"
    "\n"
    "  init [--name \"Example VPN CA\"] [--days 3650] [--key rsa|ec]\n"
    "      create a CA: ca.crt, ca.key, an empty crl.pem and index.json\n"
    "  server NAME [--san DNS:vpn.example.com,IP:198.18.1.1] [--days 825] [--renew]\n"
    "      issue NAME.crt and NAME.key for a server (serverAuth; NAME is a DNS SAN)\n"
    "  client NAME --remote [LABEL=]HOST[:PORT][,...] [--server-name HOST] [--days 365]\n"
    "         [-o FILE] [--renew]\n"
    "      issue a client certificate and its profile (default DIR/NAME.json, 0600)\n"
    "  revoke NAME [--reason keyCompromise|superseded|...]\n"
    "      revoke NAME's certificate and rewrite crl.pem\n"
    "  crl\n"
    "      re-sign crl.pem with a fresh nextUpdate (run it from cron)\n"
    "  list [--json]\n"
    "      show every certificate, its state, and when the CRL expires\n"
    "\n"
    "Options:\n"
    "  -d, --dir DIR         the PKI directory (default ./pki)\n"
    "  --key ec|rsa          EC P-256 or RSA 3072 (default: RSA for init, EC otherwise)\n"
    "  --crl-days N          nextUpdate of a rewritten CRL, in days (default 180)\n"
    "  --not-before TIME, --not-after TIME\n"
    "                        explicit validity (server, client), TIME = YYYYMMDDhhmmss UTC\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "See tlsvpn-certs(8).\n";

static bool allowed(const struct command *c, int opt)
{
	if (opt == OPT_DIR || opt == OPT_HELP || opt == OPT_VERSION)
		return true;
	for (size_t i = 0; i < sizeof(c->allowed) / sizeof(c->allowed[0]); i++)
		if (c->allowed[i] == opt)
			return true;
	return false;
}

static const char *opt_name(int opt)
{
	for (const struct option *o = options; o->name != NULL; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static bool parse_days(const char *what, const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > CMD_MAX_DAYS) {
		msg_err("--%s \"%s\": expected a whole number of days, 1 to %d", what, s,
			CMD_MAX_DAYS);
		return false;
	}
	*out = v;
	return true;
}

/* Applies one option. Returns 0, or 2 for a usage error (already reported). */
static int apply(struct cmd_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DIR:
		o->dir = arg;
		break;
	case OPT_NAME:
		o->ca_name = arg;
		break;
	case OPT_DAYS:
		return parse_days("days", arg, &o->days) ? 0 : 2;
	case OPT_CRL_DAYS:
		return parse_days("crl-days", arg, &o->crl_days) ? 0 : 2;
	case OPT_KEY:
		if (keys_type_parse(arg, &o->key) < 0) {
			msg_err("--key \"%s\": expected ec or rsa", arg);
			return 2;
		}
		break;
	case OPT_SAN:
		o->san = arg;
		break;
	case OPT_REMOTE:
		o->remote = arg;
		break;
	case OPT_SERVER_NAME:
		o->server_name = arg;
		break;
	case OPT_OUTPUT:
		o->output = arg;
		break;
	case OPT_RENEW:
		o->renew = true;
		break;
	case OPT_REASON:
		if ((o->reason = crl_reason_from_name(arg)) < 0) {
			msg_err("--reason \"%s\": expected one of %s", arg, crl_reason_list());
			return 2;
		}
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_NOT_BEFORE:
		o->not_before = arg;
		break;
	case OPT_NOT_AFTER:
		o->not_after = arg;
		break;
	}
	return 0;
}

/* The profile and key PEM pass through jansson's strings: wipe every block it frees. */
static void *json_alloc(size_t n)
{
	return malloc(n);
}

static void json_release(void *p)
{
	if (p == NULL)
		return;
	mbedtls_platform_zeroize(p, malloc_usable_size(p));
	free(p);
}

struct parsed {
	int opt;
	const char *arg;
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void report_getopt_error(int c, char *const argv[])
{
	const char *bad = argv[optind - 1];

	if (c == ':')
		msg_err("option %s needs a value", bad);
	else if (optopt != 0)
		msg_err("unknown option -%c (see --help)", optopt);
	else
		msg_err("unknown option %s (see --help)", bad);
}

int main(int argc, char *argv[])
{
	struct cmd_opts o = {
	    .dir = CMD_DEFAULT_DIR,
	    .ca_name = CMD_DEFAULT_CA_NAME,
	    .crl_days = CMD_DEFAULT_CRL_DAYS,
	    .reason = CRL_REASON_UNSPECIFIED,
	};
	struct parsed seen[64];
	size_t n_seen = 0;
	const struct command *cmd;
	bool help = false, version = false;
	int c, r;

	json_set_alloc_funcs(json_alloc, json_release);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:ho:V", options, NULL)) != -1) {
		if (c == '?' || c == ':') {
			report_getopt_error(c, argv);
			return 2;
		}
		if (c == OPT_HELP)
			help = true;
		else if (c == OPT_VERSION)
			version = true;
		if (n_seen == sizeof(seen) / sizeof(seen[0])) {
			msg_err("too many options");
			return 2;
		}
		seen[n_seen++] = (struct parsed){c, optarg};
	}
	if (version) {
		printf("tlsvpn-certs (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (help || (optind < argc && strcmp(argv[optind], "help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (optind >= argc) {
		msg_err("no command given (see --help)");
		return 2;
	}
	if ((cmd = find_command(argv[optind])) == NULL) {
		msg_err("unknown command \"%s\" (see --help)", argv[optind]);
		return 2;
	}
	o.key = cmd->key;
	for (size_t i = 0; i < n_seen; i++) {
		if (!allowed(cmd, seen[i].opt)) {
			msg_err("option --%s does not apply to %s", opt_name(seen[i].opt),
				cmd->name);
			return 2;
		}
		if ((r = apply(&o, seen[i].opt, seen[i].arg)) != 0)
			return r;
	}
	if (cmd->takes_name) {
		if (optind + 1 >= argc) {
			msg_err("%s needs a NAME", cmd->name);
			return 2;
		}
		o.name = argv[optind + 1];
	}
	if (argc - optind > 1 + cmd->takes_name) {
		msg_err("unexpected argument \"%s\"", argv[optind + 1 + cmd->takes_name]);
		return 2;
	}
	o.now = time(NULL);
	return cmd->run(&o) == 0 ? 0 : 1;
}
