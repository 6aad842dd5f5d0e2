/*
 * cmd: the six commands of tlsvpn-certs, each a whole transaction on one PKI. main.c
 * parses the command line into struct cmd_opts; a command validates what is left
 * (names, dates, the PKI's state), reports any error in one line, and returns 0 or a
 * negative errno having changed nothing.
 */
#ifndef TLSVPN_CERTS_CMD_H
#define TLSVPN_CERTS_CMD_H

#include <stdbool.h>
#include <time.h>

#include "index.h"
#include "keys.h"
#include "pki.h"

#define CMD_DEFAULT_DIR		"./pki"
#define CMD_DEFAULT_CA_NAME	"tlsvpn CA"
#define CMD_DEFAULT_CA_DAYS	3650
#define CMD_DEFAULT_SERVER_DAYS 825
#define CMD_DEFAULT_CLIENT_DAYS 365
#define CMD_DEFAULT_CRL_DAYS	180
#define CMD_MAX_DAYS		36500
/* Certificates and CRLs start this long before "now" so that a peer whose clock is a
 * little behind does not see them as not yet valid. */
#define CMD_BACKDATE_SECONDS 3600

struct cmd_opts {
	const char *dir;
	const char *name; /* NAME operand (server, client, revoke) */
	const char *ca_name;
	long days; /* 0: the command's default */
	long crl_days;
	enum keys_type key;
	const char *san;	 /* server: "DNS:x,IP:y" */
	const char *remote;	 /* client */
	const char *server_name; /* client */
	const char *output;	 /* client: profile path */
	const char *not_before, *not_after;
	bool renew;
	int reason; /* enum crl_reason */
	bool json;
	time_t now;
};

int cmd_init(const struct cmd_opts *o);
int cmd_server(const struct cmd_opts *o);
int cmd_client(const struct cmd_opts *o);
int cmd_revoke(const struct cmd_opts *o);
int cmd_crl(const struct cmd_opts *o);
int cmd_list(const struct cmd_opts *o);

/* Signs a new CRL listing every revoked entry of idx: bumps idx->crl_number and sets
 * its this/next update from now and crl_days. *pem is malloc'd. Reports errors. */
int cmd_crl_sign(struct index *idx, const mbedtls_x509_crt *ca_crt, mbedtls_pk_context *ca_key,
		 const uint8_t key_id[20], long crl_days, time_t now, struct keys_rng *rng,
		 char **pem);

/* Marks e revoked now with reason. */
void cmd_revoke_entry(struct index_entry *e, int reason, time_t now);

#endif
