#!/usr/bin/env bash
# Install a requirements file into the venv of PYTHON: install-requirements.sh PYTHON FILE
#
# With uv when it can be had (2026-12-02, requirements-dev.txt into a new venv:
# pip 44.8 s, uv 14.4-16.5 s, the same 105 packages at the same versions), else with pip.
# uv lives in its own small venv, kept outside the clone like Theano's compile cache
# (AGENTNET_UV_HOME, default ~/.cache/agentnet/uv-tool), and gets pip's indexes, links,
# constraints and CA bundle (scripts/uv_index_options.py), so both install the same
# packages from the same places. It byte-compiles as pip does: with
# PYTHONDONTWRITEBYTECODE set (as in CI), a venv without bytecode made every test
# process compile Theano, numpy, Ray... from source. AGENTNET_NO_UV=1 always uses pip.
set -u
python=$1
requirements=$2
here=$(cd "$(dirname "$0")" && pwd)
uv_home=${AGENTNET_UV_HOME:-$HOME/.cache/agentnet/uv-tool}
uv_version=0.13.9

with_pip() {
    "$python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
}

find_uv() {
    local uv="$uv_home/bin/uv"
    if [ ! -x "$uv" ] || [ "$("$uv" --version 2>/dev/null)" != "uv $uv_version" ]; then
        rm -rf "$uv_home"
        "$python" -m venv --without-pip "$uv_home" >/dev/null 2>&1 || return 1
        "$python" -m pip --python "$uv_home/bin/python" install --quiet \
            --disable-pip-version-check "uv==$uv_version" >/dev/null 2>&1 || return 1
    fi
    echo "$uv"
}

with_uv() {
    local uv options cert
    uv=$(find_uv) || return 1
    mapfile -t options < <("$python" "$here/uv_index_options.py") || return 1
    cert=$("$python" "$here/uv_index_options.py" --cert) || return 1
    if [ -n "$cert" ] && [ -z "${SSL_CERT_FILE:-}" ]; then
        export SSL_CERT_FILE=$cert
    fi
    "$uv" pip install --quiet --python "$python" --compile-bytecode "${options[@]}" \
        -r "$requirements"
}

case "${AGENTNET_NO_UV:-}" in
    "" | 0)
        if with_uv; then
            exit 0
        fi
        echo "uv was not available or failed; installing with pip." >&2 ;;
esac
with_pip
