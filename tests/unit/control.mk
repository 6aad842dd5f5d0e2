# tests/unit/control.mk
