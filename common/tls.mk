# common/tls.mk
