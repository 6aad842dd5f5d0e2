# common/wire.mk
