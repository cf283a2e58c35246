"""Lasagne APIs newer than Lasagne 0.1 (placeholder; filled in by the backports work)."""

__all__ = ["install"]


def install(lasagne_module):
    """Add the missing APIs to ``lasagne_module``'s namespaces (idempotent)."""
    return lasagne_module
