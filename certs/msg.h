/*
 * msg: the tool's one-line messages on stderr, "tlsvpn-certs: ...". Errors are
 * reported once, where they are detected, naming the file, key or value at fault;
 * callers only pass the negative code up.
 */
#ifndef TLSVPN_CERTS_MSG_H
#define TLSVPN_CERTS_MSG_H

__attribute__((format(printf, 1, 2))) void msg_err(const char *fmt, ...);

/* Text for an mbedTLS error code (static buffer; single-threaded tool). */
const char *msg_mbedtls(int code);

#endif
