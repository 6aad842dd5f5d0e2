# tests/unit/wire.mk
