# common/tls.mk: mbedTLS glue shared by server and client.
common_libtlsvpn_a_SOURCES += common/tls.c common/tls.h
common_libtlsvpn_a_SOURCES += common/tls-explain.c common/tls-private.h
