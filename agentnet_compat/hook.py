"""Start-up import hook that makes Lasagne 0.1 work on Theano 1.0.

It runs at every interpreter start (``agentnet-import-hook.pth``), so it
imports only ``os`` and ``sys``, which the interpreter has already loaded
(``importlib.abc`` would pull in ``typing``, and even ``importlib.machinery``
costs about half a millisecond, so it is imported only when Theano is); the
finder and loaders follow the import protocol by duck typing.

:func:`install` registers one :data:`sys.meta_path` finder that answers for
twelve module names only:

``theano.configparser``
    Once Theano has read its flags: :func:`agentnet_compat.blas.configure_blas`
    (a default ``blas.ldflags``, and the OpenBLAS kernel) and
    :func:`agentnet_compat.threads.configure_threads` (one OpenBLAS thread when
    convolutions run in parallel), after :func:`agentnet_compat.quiet.install`
    (filters for the warnings Theano and Lasagne raise about their own internals).
``theano.gof.cc``
    Once Theano's C linker is defined: :func:`agentnet_compat.parallel_compile.install`
    (g++ runs outside the compile directory's lock, so processes compile side by side),
    :func:`agentnet_compat.precompiled_headers.install` (the includes every module shares
    are precompiled once per compiler command) and
    :func:`agentnet_compat.compiler_facts.remember_march_flags` (the flags ``-march=native``
    stands for are asked of g++ once per compiler and processor).
``theano.compile.function_module``
    Once compiled functions are defined: :func:`agentnet_compat.denormals.install`
    (every call of a compiled function flushes denormal floats to zero),
    :func:`agentnet_compat.compile_ahead.install` (a new function's missing C modules
    are compiled side by side, one g++ per core),
    :func:`agentnet_compat.compiler_facts.remember_openmp_support` (whether g++ builds
    OpenMP code, likewise) and
    :func:`agentnet_compat.quick_exit.install` (the interpreter's clean-up at exit does not
    walk Theano's objects again and again).
``theano.tensor.blas``
    Once its optimizations are registered: :func:`agentnet_compat.shared_products.install`
    (a matrix product read twice is not computed twice) and
    :func:`agentnet_compat.dense_products.register` (how a dense matrix product runs: ``gemv``
    for one row, every core for a large product).
``theano.tensor.nnet.opt``
    Once Theano's convolution optimizations are registered:
    :func:`agentnet_compat.threads.register_parallel_convolutions`.

``theano.tensor.signal.downsample``
    Removed in Theano 0.9 but imported by Lasagne 0.1's pooling layers. When no
    real module exists, a small one is provided whose ``max_pool_2d`` maps the
    old arguments onto :func:`theano.tensor.signal.pool.pool_2d`.

``lasagne``
    Once Lasagne has finished importing, :func:`agentnet_compat.backports.install`
    adds the layers, functions and nonlinearities that Lasagne 0.1 lacks (names
    Lasagne already has are never replaced) and gives Lasagne 0.1's
    ``LSTMLayer`` Lasagne master's output gate.

``theano.scalar.basic_scipy``, ``theano.tensor.nnet.abstract_conv``, ``theano.tensor.nnet.conv``
    While they load, the finder also answers for ``scipy.signal`` and ``scipy.stats``:
    imported by one of the two convolution modules, ``scipy.signal`` fails at once where
    the import would have failed anyway
    (:func:`agentnet_compat.scipy_imports.refuse_signal_without_sigtools`); imported by
    ``basic_scipy``, ``scipy.stats`` runs when a name of it is first looked up
    (:func:`agentnet_compat.scipy_imports.lazy`).
"""
import sys

__all__ = ["install", "CompatFinder"]

_DOWNSAMPLE = "theano.tensor.signal.downsample"
_CONFIGPARSER = "theano.configparser"
_LASAGNE = "lasagne"
_CONV_OPTIMIZATIONS = "theano.tensor.nnet.opt"
_FUNCTION_MODULE = "theano.compile.function_module"
_BLAS = "theano.tensor.blas"
_C_LINKER = "theano.gof.cc"
_BASIC_SCIPY = "theano.scalar.basic_scipy"
_SCIPY_CONVOLUTIONS = frozenset(["theano.tensor.nnet.abstract_conv", "theano.tensor.nnet.conv"])
_SCIPY_USERS = _SCIPY_CONVOLUTIONS | {_BASIC_SCIPY}
_SCIPY_STATS = "scipy.stats"
_SCIPY_SIGNAL = "scipy.signal"


def _on_theano_config(configparser):
    from . import blas, quiet, threads
    quiet.install()
    blas.configure_blas(configparser)
    threads.configure_threads(configparser)


def _on_blas(blas_module):
    from theano.compile import optdb
    from . import dense_products
    from .shared_products import install as keep_shared_products
    keep_shared_products(blas_module)
    dense_products.register(optdb)


def _on_c_linker(c_linker_module):
    from .compiler_facts import remember_march_flags
    from .parallel_compile import install as compile_outside_the_lock
    from .precompiled_headers import install as precompile_shared_includes
    compile_outside_the_lock()
    precompile_shared_includes()
    remember_march_flags()


def _on_function_module(function_module):
    from .compile_ahead import install as compile_missing_modules_side_by_side
    from .compiler_facts import remember_openmp_support
    from .denormals import install as flush_denormals_in_calls
    from .quick_exit import install as skip_exit_collections
    flush_denormals_in_calls(function_module.Function)
    compile_missing_modules_side_by_side()
    remember_openmp_support()
    skip_exit_collections()


def _on_conv_optimizations(conv_optimizations):
    from .threads import register_parallel_convolutions, register_parallel_elementwise
    register_parallel_convolutions()
    register_parallel_elementwise()


def _max_pool_2d(input, ds, ignore_border=None, st=None, padding=(0, 0),
                 mode="max"):
    """Theano 0.8's ``max_pool_2d`` signature on top of ``pool_2d``."""
    from theano.tensor.signal.pool import pool_2d
    return pool_2d(input, ws=ds, ignore_border=ignore_border, stride=st,
                   pad=padding, mode=mode)


def _add_lasagne_backports(lasagne_module):
    from .backports import install as install_backports
    install_backports(lasagne_module)


class _DownsampleLoader(object):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.max_pool_2d = _max_pool_2d
        module.__doc__ = "Compatibility module provided by agentnet_compat."


class _WrappedLoader(object):
    """A loader that delegates to the real one; subclasses run code around ``exec_module``."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def __getattr__(self, name):
        return getattr(self.loader, name)


class _ThenLoader(_WrappedLoader):
    """Runs the real loader, then a callback on the loaded module."""

    def __init__(self, loader, callback):
        super(_ThenLoader, self).__init__(loader)
        self.callback = callback

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.callback(module)


class _WhileLoading(_WrappedLoader):
    """Runs the real loader with the module's name in the set ``loading``."""

    def __init__(self, loader, loading, name):
        super(_WhileLoading, self).__init__(loader)
        self.loading = loading
        self.name = name

    def exec_module(self, module):
        self.loading.add(self.name)
        try:
            self.loader.exec_module(module)
        finally:
            self.loading.discard(self.name)


def _downsample_spec():
    from importlib.machinery import ModuleSpec
    return ModuleSpec(_DOWNSAMPLE, _DownsampleLoader())


class CompatFinder(object):
    """Meta-path finder for the twelve module names described above."""

    _callbacks = {_CONFIGPARSER: _on_theano_config,
                  _C_LINKER: _on_c_linker,
                  _FUNCTION_MODULE: _on_function_module,
                  _BLAS: _on_blas,
                  _CONV_OPTIMIZATIONS: _on_conv_optimizations,
                  _LASAGNE: _add_lasagne_backports}

    def __init__(self):
        self.loading = set()

    def find_spec(self, fullname, path, target=None):
        """The real spec of ``fullname`` with a callback after loading, or the stand-in module."""
        if fullname in (_SCIPY_STATS, _SCIPY_SIGNAL):
            return self._scipy_spec(fullname, path, target) if self.loading else None
        wrapped = fullname in self._callbacks or fullname in _SCIPY_USERS
        if fullname != _DOWNSAMPLE and not wrapped:
            return None
        spec = self._find_real_spec(fullname, path, target)
        if fullname == _DOWNSAMPLE:
            return spec or _downsample_spec()
        if spec is not None and spec.loader is not None:
            spec.loader = (_WhileLoading(spec.loader, self.loading, fullname)
                           if fullname in _SCIPY_USERS
                           else _ThenLoader(spec.loader, self._callbacks[fullname]))
        return spec

    def _scipy_spec(self, fullname, path, target):
        from . import scipy_imports
        if fullname == _SCIPY_SIGNAL and self.loading & _SCIPY_CONVOLUTIONS:
            scipy_imports.refuse_signal_without_sigtools()
        if fullname == _SCIPY_STATS and _BASIC_SCIPY in self.loading:
            return scipy_imports.lazy(self._find_real_spec(fullname, path, target))
        return None

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
