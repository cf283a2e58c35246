"""Gymnasium and Atari: environment pools and observation wrappers."""
