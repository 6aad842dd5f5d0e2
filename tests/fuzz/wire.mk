# tests/fuzz/wire.mk: harnesses for the frame decoder and the packet parser.
FUZZ_HARNESSES += tests/fuzz/fuzz-frame tests/fuzz/fuzz-packet

tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz-frame.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_frame_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_frame_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_frame_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

tests_fuzz_fuzz_packet_SOURCES = tests/fuzz/fuzz-packet.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_packet_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_packet_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_packet_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The address, prefix and host:port parsers of common/addr.c.
FUZZ_HARNESSES += tests/fuzz/fuzz-addr
tests_fuzz_fuzz_addr_SOURCES = tests/fuzz/fuzz-addr.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_addr_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_addr_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_addr_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# Runs of UDP datagrams merged into super-packets (common/udpgro.c), through
# the TUN writer's loop; every run cut back and compared with its datagrams.
FUZZ_HARNESSES += tests/fuzz/fuzz-udpgro
tests_fuzz_fuzz_udpgro_SOURCES = tests/fuzz/fuzz-udpgro.c tests/unit/naive-csum.h \
	tests/unit/kernel-udp-cut.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_udpgro_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_udpgro_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_udpgro_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
