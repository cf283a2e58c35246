"""Print, one per line, the uv options that give ``uv pip install`` pip's package sources.

uv reads none of pip's configuration (``pip.conf`` files, ``PIP_*``
variables). This asks the pip of the running interpreter for its effective
settings (``pip config list``, which merges the files and the environment)
and turns the ones that choose packages into uv options:

* ``index-url`` -> ``--index-url``, ``extra-index-url`` -> ``--extra-index-url``
  and ``find-links`` -> ``--find-links`` (pip's values are whitespace
  separated lists);
* ``constraint`` -> ``--constraint``;
* ``--index-strategy unsafe-best-match`` always: pip takes the best version
  across all its indexes, uv by default the first index that has the package.

``python scripts/uv_index_options.py --cert`` prints pip's ``cert`` setting
instead (a CA bundle; uv reads it from ``SSL_CERT_FILE``), or nothing.
"""
import subprocess
import sys

OPTIONS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url",
           "find-links": "--find-links", "constraint": "--constraint"}
# pip's own order: the environment (":env:") overrides the files ("global", "install").
SCOPE_RANK = {":env:": 2, "install": 1, "global": 0}


def pip_settings(listing):
    """``{name: value}`` from the lines of ``pip config list``, the strongest scope winning.

    Parameters
    ----------
    listing : str
        Lines such as ``global.find-links='/opt/wheels'`` or ``:env:.cert='...'``.

    Returns
    -------
    dict {str: str}
    """
    chosen = {}
    for line in listing.splitlines():
        key, separator, value = line.partition("=")
        scope, _, name = key.rpartition(".")
        if not separator or scope not in SCOPE_RANK:
            continue
        rank = SCOPE_RANK[scope]
        if name not in chosen or rank >= chosen[name][0]:
            chosen[name] = (rank, value.strip().strip("'\""))
    return {name: value for name, (_, value) in chosen.items()}


def uv_options(settings):
    """The uv command-line options for pip's ``settings`` (see the module docstring).

    Parameters
    ----------
    settings : dict {str: str}
        As returned by :func:`pip_settings`.

    Returns
    -------
    list of str
    """
    options = ["--index-strategy", "unsafe-best-match"]
    for name, option in OPTIONS.items():
        for value in settings.get(name, "").split():
            options += [option, value]
    return options


def main():
    listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, check=True).stdout
    settings = pip_settings(listing)
    if sys.argv[1:] == ["--cert"]:
        print(settings.get("cert", ""))
    else:
        print("\n".join(uv_options(settings)))


if __name__ == "__main__":
    main()
