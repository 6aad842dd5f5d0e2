# tests/unit/tls.mk
