# common/control.mk: logging, control messages, config helpers.
common_libtlsvpn_a_SOURCES += \
	common/log.c common/log.h \
	common/control.c common/control.h \
	common/cfg.c common/cfg.h
