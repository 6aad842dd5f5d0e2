/*
 * Explaining TLS failures in plain words (tls_conn_verify_error,
 * tls_strerror): which check failed, which alert the peer sent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "tls-private.h"

static const char *alert_name(unsigned char a)
{
	switch (a) {
	case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
		return "handshake failure";
	case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
		return "bad certificate";
	case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
		return "unsupported certificate (key usage)";
	case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
		return "certificate revoked";
	case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
		return "certificate expired";
	case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
		return "certificate unknown";
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
		return "unknown CA";
	case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
		return "access denied";
	case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
		return "protocol version";
	case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
		return "insufficient security";
	case MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL:
		return "no application protocol (ALPN)";
	case MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR:
		return "decode error";
	case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR:
		return "decrypt error";
	case MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER:
		return "illegal parameter";
	default:
		return "other";
	}
}

/* Appends "; text" (or text) to buf. */
static void add_reason(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf);
	if (used + 1 >= len)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? "; " : "", text);
}

static void explain_flags(const struct tls_conn *c, uint32_t f, char *buf, size_t len)
{
	const bool client = c->cfg->role == TLS_CLIENT;
	char tmp[320];
	if ((f & MBEDTLS_X509_BADCERT_OTHER) && c->reason != NULL)
		add_reason(buf, len, c->reason);
	if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		add_reason(buf, len, "certificate not signed by the trusted CA");
	if (f & MBEDTLS_X509_BADCERT_EXPIRED)
		add_reason(buf, len, "certificate expired");
	if (f & MBEDTLS_X509_BADCERT_FUTURE)
		add_reason(buf, len, "certificate not yet valid");
	if (f & MBEDTLS_X509_BADCERT_REVOKED)
		add_reason(buf, len, "certificate revoked");
	if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		snprintf(tmp, sizeof(tmp), "server certificate is not valid for name %s",
			 c->cfg->server_name ? c->cfg->server_name : "?");
		add_reason(buf, len, tmp);
	}
	if (f & MBEDTLS_X509_BADCERT_EXT_KEY_USAGE)
		add_reason(buf, len,
			   client ? "certificate lacks extendedKeyUsage serverAuth"
				  : "certificate lacks extendedKeyUsage clientAuth");
	if (f & MBEDTLS_X509_BADCERT_KEY_USAGE)
		add_reason(buf, len, "certificate keyUsage does not allow this key exchange");
	if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
		 MBEDTLS_X509_BADCERT_BAD_KEY))
		add_reason(buf, len, "certificate uses a weak or unsupported algorithm or key");
	if (f & MBEDTLS_X509_BADCRL_NOT_TRUSTED)
		add_reason(buf, len, "CRL not signed by the trusted CA");
	if (f & MBEDTLS_X509_BADCRL_EXPIRED)
		add_reason(buf, len, "CRL expired");
	if (f & MBEDTLS_X509_BADCRL_FUTURE)
		add_reason(buf, len, "CRL not yet valid");
	if (f & MBEDTLS_X509_BADCERT_MISSING)
		add_reason(buf, len, "peer sent no certificate");
	if (buf[0] == '\0') {
		snprintf(tmp, sizeof(tmp), "certificate verification failed (flags 0x%08x)",
			 (unsigned)f);
		add_reason(buf, len, tmp);
	}
}

const char *tls_conn_verify_error(const struct tls_conn *conn, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return "";
	buf[0] = '\0';
	if (conn == NULL)
		return buf;
	const mbedtls_ssl_context *ssl = &conn->ssl;
	int e = conn->hs_err != 0 ? conn->hs_err : conn->last_err;
	if (e == TLS_ERR_NO_ALPN || e == TLS_ERR_RESUMED_CERT) {
		snprintf(buf, len, "%s", conn->reason ? conn->reason : "refused");
		return buf;
	}
	if (e == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
		snprintf(buf, len, "peer sent no certificate");
		return buf;
	}
	uint32_t f = conn->flags;
	if (e == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || e == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE) {
		uint32_t r = mbedtls_ssl_get_verify_result(ssl);
		if (r != (uint32_t)-1)
			f |= r;
	}
	if (f != 0 &&
	    (e == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || e == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE)) {
		explain_flags(conn, f, buf, len);
		return buf;
	}
	/* mbedTLS refuses a ClientHello whose ALPN list lacks ours with this
	 * alert; 2.28 has no getter, so read the record it just sent. */
	if (e == MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO && ssl->out_msgtype == MBEDTLS_SSL_MSG_ALERT &&
	    ssl->out_msg != NULL &&
	    ssl->out_msg[1] == MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL) {
		snprintf(buf, len, "peer did not offer ALPN %s", TLS_ALPN);
		return buf;
	}
	if (e == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl->in_msg != NULL) {
		unsigned char a = ssl->in_msg[1];
		snprintf(buf, len, "peer refused the handshake: %s (alert %u)", alert_name(a),
			 (unsigned)a);
		return buf;
	}
	if (e == 0) {
		snprintf(buf, len, "no error");
		return buf;
	}
	if (conn->hs_err != 0 && e == MBEDTLS_ERR_SSL_CONN_EOF) {
		snprintf(buf, len, "peer closed the connection during the handshake");
		return buf;
	}
	char text[160];
	tls_strerror(e, text, sizeof(text));
	if (conn->sys_errno != 0)
		snprintf(buf, len, "%s: %s", text, strerror(conn->sys_errno));
	else
		snprintf(buf, len, "%s", text);
	return buf;
}

void tls_strerror(int err, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	switch (err) {
	case TLS_WANT_READ:
		snprintf(buf, len, "TLS would block reading");
		return;
	case TLS_WANT_WRITE:
		snprintf(buf, len, "TLS would block writing");
		return;
	case TLS_ERR_NO_ALPN:
		snprintf(buf, len, "no ALPN %s agreed", TLS_ALPN);
		return;
	case TLS_ERR_RESUMED_CERT:
		snprintf(buf, len, "resumed session's certificate no longer valid");
		return;
	case TLS_ERR_ALLOC:
		snprintf(buf, len, "out of memory");
		return;
	default:
		break;
	}
	mbedtls_strerror(err, buf, len);
	size_t used = strlen(buf);
	if (used + 1 < len)
		snprintf(buf + used, len - used, " (-0x%04x)", (unsigned)-err);
}
