# common/control.mk
