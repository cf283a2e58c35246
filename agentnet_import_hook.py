"""Start-up import hook that makes Lasagne 0.1 work on Theano 1.0.

It is imported at every interpreter start, so it imports only ``os`` and
``sys``, which the interpreter has already loaded (``importlib.abc`` would
pull in ``typing``, and even ``importlib.machinery`` costs about half a
millisecond, so it is imported only when Theano is); the finder and loaders
follow the import protocol by duck typing.

Installed by ``agentnet-import-hook.pth`` (and again, idempotently, by
``import agentnet``), this module registers one :class:`sys.meta_path` finder
that answers for three module names only, and imports nothing heavy at
interpreter start:

``theano.configparser``
    After Theano has read ``THEANO_FLAGS`` and ``.theanorc``, and only when
    neither sets ``blas.ldflags``, a default is added: ``-lopenblas`` when the
    OpenBLAS development library is installed, else the empty string (Theano's
    NumPy C-API fallback). Without a value Theano 1.0.5 crashes at import
    under numpy >= 1.22.

``theano.tensor.signal.downsample``
    Removed in Theano 0.9 but imported by Lasagne 0.1's pooling layers. When no
    real module exists, a small one is provided whose ``max_pool_2d`` maps the
    old arguments onto :func:`theano.tensor.signal.pool.pool_2d`.

``lasagne``
    Once Lasagne has finished importing, the layers, functions and
    nonlinearities that Lasagne 0.1 lacks are added from
    :mod:`agentnet.utils.lasagne_backports`; names Lasagne already has are
    never replaced.
"""
import os
import sys

__all__ = ["install", "default_blas_ldflags"]

_DOWNSAMPLE = "theano.tensor.signal.downsample"
_CONFIGPARSER = "theano.configparser"
_LASAGNE = "lasagne"
_LIBRARY_DIRS = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib")


def default_blas_ldflags():
    """Return the ``blas.ldflags`` value to use when the user set none.

    Returns
    -------
    str
        ``"-lopenblas"`` when ``libopenblas.so`` is in a standard library
        directory (Debian: ``apt-get install libopenblas-dev``), otherwise
        ``""``, which makes Theano call BLAS through NumPy's C API.
    """
    multiarch = getattr(sys.implementation, "_multiarch", "")
    directories = list(_LIBRARY_DIRS)
    if multiarch:
        directories += [os.path.join(d, multiarch) for d in ("/usr/lib", "/lib")]
    for directory in directories:
        if os.path.exists(os.path.join(directory, "libopenblas.so")):
            return "-lopenblas"
    return ""


def _configure_blas(configparser):
    """Add a default ``blas.ldflags`` unless THEANO_FLAGS or .theanorc set one."""
    if "blas.ldflags" in configparser.THEANO_FLAGS_DICT:
        return
    if configparser.theano_cfg.has_option("blas", "ldflags"):
        return
    configparser.THEANO_FLAGS_DICT["blas.ldflags"] = default_blas_ldflags()


def _max_pool_2d(input, ds, ignore_border=None, st=None, padding=(0, 0),
                 mode="max"):
    """Theano 0.8's ``max_pool_2d`` signature on top of ``pool_2d``."""
    from theano.tensor.signal.pool import pool_2d
    return pool_2d(input, ws=ds, ignore_border=ignore_border, stride=st,
                   pad=padding, mode=mode)


def _add_lasagne_backports(lasagne_module):
    from agentnet.utils import lasagne_backports
    lasagne_backports.install(lasagne_module)


class _DownsampleLoader(object):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.max_pool_2d = _max_pool_2d
        module.__doc__ = "Compatibility module provided by agentnet_import_hook."


class _ThenLoader(object):
    """Runs the real loader, then a callback on the loaded module."""

    def __init__(self, loader, callback):
        self.loader = loader
        self.callback = callback

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.callback(module)

    def __getattr__(self, name):
        return getattr(self.loader, name)


def _downsample_spec():
    from importlib.machinery import ModuleSpec
    return ModuleSpec(_DOWNSAMPLE, _DownsampleLoader())


class CompatFinder(object):
    """Meta-path finder for the three module names described above."""

    _callbacks = {_CONFIGPARSER: _configure_blas,
                  _LASAGNE: _add_lasagne_backports}

    def find_spec(self, fullname, path, target=None):
        if fullname != _DOWNSAMPLE and fullname not in self._callbacks:
            return None
        spec = self._find_real_spec(fullname, path, target)
        if fullname == _DOWNSAMPLE:
            return spec or _downsample_spec()
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenLoader(spec.loader, self._callbacks[fullname])
        return spec

    def _find_real_spec(self, fullname, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None


def install():
    """Register the finder once (first in ``sys.meta_path``); idempotent."""
    if not any(isinstance(f, CompatFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, CompatFinder())
