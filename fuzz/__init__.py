"""Fuzzers of the wire decoders (see fuzz/decode.py and docs/security.md)."""
