# common/net.mk
