#!/usr/bin/env bash
# Best effort: install Debian's OpenBLAS so that Theano links a real BLAS
# (1.3-2x faster conv training than NumPy's C-API fallback, see README).
# Skipped when already present, when not root, without apt-get, or when
# AGENTNET_NO_APT=1. Never fails the build: Theano falls back without it.
set -u
for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib /usr/local/lib; do
    [ -e "$dir/libopenblas.so" ] && exit 0
done
[ "${AGENTNET_NO_APT:-0}" = "1" ] && exit 0
[ "$(id -u)" = "0" ] || { echo "OpenBLAS not found; Theano will use NumPy's BLAS fallback (install libopenblas-dev for speed)."; exit 0; }
command -v apt-get >/dev/null 2>&1 || exit 0
echo "Installing libopenblas-dev for Theano (set AGENTNET_NO_APT=1 to skip)"
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -qq >/dev/null 2>&1
timeout 300 apt-get install -y -qq libopenblas-dev >/dev/null 2>&1 \
    || echo "Could not install libopenblas-dev; Theano will use NumPy's BLAS fallback."
exit 0
