# common/wire.mk: pure wire-level modules (no I/O, no globals).
common_libtlsvpn_a_SOURCES += \
	common/buf.c common/buf.h \
	common/frame.c common/frame.h \
	common/gso.c common/gso.h \
	common/udpgro.c common/udpgro.h \
	common/packet.c common/packet.h \
	common/addr.c common/addr.h
