"""Experiments: toy environments and gym/Atari session pools."""
