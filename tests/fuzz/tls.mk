# tests/fuzz/tls.mk: the inline PEM (CA, certificate, key) of a client profile.
FUZZ_HARNESSES += tests/fuzz/fuzz-pem

tests_fuzz_fuzz_pem_SOURCES = tests/fuzz/fuzz-pem.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_pem_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_pem_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_pem_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
