#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter, or explain how to get one.
# Order: $PYTHON (explicit override), python3.10 on PATH, pyenv's 3.10.x,
# the usual system locations, then uv's managed Pythons. A candidate counts only if it runs.
set -u

is_python310() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

if [ -n "${PYTHON:-}" ]; then
    if is_python310 "$PYTHON"; then
        command -v "$PYTHON" || echo "$PYTHON"
        exit 0
    fi
    echo "PYTHON=$PYTHON is not a working Python 3.10 interpreter." >&2
    exit 1
fi

candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for dir in $(ls -d "$pyenv_root"/versions/3.10.* 2>/dev/null | sort -t. -k3 -n -r); do
    candidates+=("$dir/bin/python3.10")
done
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10 /opt/python3.10/bin/python3.10)
if command -v uv >/dev/null 2>&1; then
    uv_python=$(uv python find 3.10 2>/dev/null) && candidates+=("$uv_python")
fi

for candidate in "${candidates[@]}"; do
    if is_python310 "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

cat >&2 <<'MSG'
No Python 3.10 interpreter was found (Theano 1.0.5's scan needs Python <= 3.10).
Python 3.10 reached its end of life in October 2026; current distributions ship 3.12+.
Any of these works; then run make again (it finds uv's and pyenv's Pythons by itself, or
point to one with: make test PYTHON=/path/to/python3.10):
  - uv:      curl -LsSf https://astral.sh/uv/install.sh | sh && uv python install 3.10
  - pyenv:   pyenv install 3.10
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv (deadsnakes PPA on Ubuntu)
  - a container, no local Python needed (see Dockerfile):
        docker build -t agentnet . && docker run --rm agentnet make test
MSG
exit 1
