# tests/fuzz/tls.mk: the inline PEM (CA, certificate, key) of a client profile, and a
# peer certificate as the verify callback handles it.
FUZZ_HARNESSES += tests/fuzz/fuzz-pem

tests_fuzz_fuzz_pem_SOURCES = tests/fuzz/fuzz-pem.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_pem_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_pem_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_pem_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# What the verify callback does with a peer certificate's key
# (tls_ready_peer_key, tls_drop_base_table), on any DER mbedTLS accepts.
FUZZ_HARNESSES += tests/fuzz/fuzz-peer-cert

tests_fuzz_fuzz_peer_cert_SOURCES = tests/fuzz/fuzz-peer-cert.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_peer_cert_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_peer_cert_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_peer_cert_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
