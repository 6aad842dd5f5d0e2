# tests/unit/wire.mk: unit tests of buf, frame, packet, addr.
check_PROGRAMS += tests/unit/test-buf tests/unit/test-frame tests/unit/test-packet \
	tests/unit/test-addr
TESTS += tests/unit/test-buf tests/unit/test-frame tests/unit/test-packet tests/unit/test-addr

tests_unit_test_buf_SOURCES = tests/unit/test-buf.c
tests_unit_test_buf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_buf_LDADD = $(UNIT_LIBS)

tests_unit_test_frame_SOURCES = tests/unit/test-frame.c
tests_unit_test_frame_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_frame_LDADD = $(UNIT_LIBS)

tests_unit_test_packet_SOURCES = tests/unit/test-packet.c
tests_unit_test_packet_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_packet_LDADD = $(UNIT_LIBS)

tests_unit_test_addr_SOURCES = tests/unit/test-addr.c
tests_unit_test_addr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_addr_LDADD = $(UNIT_LIBS)

# gso: checksums against a naive RFC 1071 reference, segmentation, the TUN
# header and hostile GSO frames.
check_PROGRAMS += tests/unit/test-gso
TESTS += tests/unit/test-gso
tests_unit_test_gso_SOURCES = tests/unit/test-gso.c tests/unit/naive-csum.h tests/unit/xorshift.h
tests_unit_test_gso_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_gso_LDADD = $(UNIT_LIBS)

# udpgro: UDP runs merged into super-packets, cut back by udpgro_segment and a
# naive model of the kernel's cut; eligibility under hostile datagrams.
check_PROGRAMS += tests/unit/test-udpgro
TESTS += tests/unit/test-udpgro
tests_unit_test_udpgro_SOURCES = tests/unit/test-udpgro.c tests/unit/naive-csum.h \
	tests/unit/kernel-udp-cut.h tests/unit/xorshift.h
tests_unit_test_udpgro_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_udpgro_LDADD = $(UNIT_LIBS)
