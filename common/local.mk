# common/: code both ends share, built into one static library.
# Each area appends its sources in its own fragment.
noinst_LIBRARIES += common/libtlsvpn.a
common_libtlsvpn_a_SOURCES = \
	common/errbuf.c common/errbuf.h \
	common/jsonfmt.c common/jsonfmt.h \
	common/fileio.c common/fileio.h
include common/wire.mk
include common/control.mk
include common/net.mk
include common/tls.mk

# What every program and test that links common/libtlsvpn.a needs. Only
# nftables.c needs libnftables: a program that never calls nftables_run (the
# client) links TLSVPN_CORE_LIBS and loads no libnftables at start.
TLSVPN_CFLAGS = $(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS) $(LIBMNL_CFLAGS) $(LIBNFTABLES_CFLAGS) \
	$(LIBNFTNL_CFLAGS)
TLSVPN_CORE_LIBS = common/libtlsvpn.a $(MBEDTLS_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS) \
	$(LIBMNL_LIBS)
TLSVPN_LIBS = $(TLSVPN_CORE_LIBS) $(LIBNFTABLES_LIBS)
common_libtlsvpn_a_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
