"""Theano's compile cache runs g++ outside its lock, so processes compile side by side.

Theano 1.0.5 keeps one lock for a whole compile directory, and
``ModuleCache.module_from_key`` holds it for as long as g++ runs on a new
module. Processes that compile at the same time (the two pytest-xdist workers,
a learner and its game workers, Ray actors) therefore take turns, and each
turn waiting for the lock sleeps ``compile.wait`` to twice that (5-10 s by
default) between polls. Measured 2026-12-02 on ``tests/learning`` and
``tests/memory`` with two workers: 283 new modules took 401 s over the 55 s of
the same tests with a warm cache, about 1.2 s of wall time each, which is what
one g++ run takes: one core compiled while the other waited.

:func:`install` gives ``ModuleCache`` a ``module_from_key`` that holds the lock
only for the short steps that need it:

1. look the key up in this process, then read what other processes have added
   to the cache since (``refresh`` without cleanup, which Theano itself runs
   without the lock when a process starts) and look again;
2. make a work directory under the lock, with a placeholder file in it:
   Theano's cleanup deletes empty directories (under the lock) and skips
   directories without a ``key.pkl``, so the directory is safe while g++ runs;
3. compile without the lock (what ``CLinker.compile_cmodule`` does, minus its
   lock);
4. register the module (its ``key.pkl``) under the lock; if the key is
   known by then (another thread of this process read it from another
   process's registration while g++ ran), the known module is returned and
   the new directory deleted.

Two processes that need the same new module in the same second may both
compile it; both copies are valid and equal, and Theano's own refresh keeps
the first one it reads and deletes the other once it is old (its "duplicated
module" rule). Linkers other than Theano's ``CLinker`` keep Theano's method.

Threads of one process may call it at once (:mod:`agentnet_compat.compile_ahead`
does): the steps that read or change the cache, and Theano's ``dlimport``
(which puts the module's directory first on ``sys.path`` while it imports),
take a process-wide lock first, since Theano's compile lock counts
re-entries per process, not per thread.
"""
import os
import shutil
import threading

__all__ = ["install", "module_from_key", "installed"]

_MARK = "_agentnet_compiles_outside_the_lock"
_PLACEHOLDER = "agentnet-compiling"
_CACHE_LOCK = threading.RLock()


def _lookup(cache, key, module_hash, keep_lock):
    """The cached module of ``key`` (or of the same source under another key), else None."""
    module = cache._get_from_key(key)
    if module is None:
        module = cache._get_from_hash(module_hash, key, keep_lock=keep_lock)
    return module


def _new_work_directory(cache):
    """A new directory in the compile directory, never empty, made under the lock."""
    from theano.gof import cmodule, compilelock
    with compilelock.lock_ctx():
        location = cmodule.dlimport_workdir(cache.dirname)
        open(os.path.join(location, _PLACEHOLDER), "w").close()
    return location


def _compile(linker, location):
    """Compile ``linker``'s module into ``location`` and import it, without the lock."""
    dynamic_module = linker.get_dynamic_module()
    try:
        return linker.c_compiler().compile_str(
            module_name=dynamic_module.code_hash, src_code=dynamic_module.code(),
            location=location, include_dirs=linker.header_dirs(), lib_dirs=linker.lib_dirs(),
            libs=linker.libraries(), preargs=linker.compile_args())
    except Exception as error:
        error.args += (str(linker.fgraph),)
        raise


def _register(cache, module, key, module_hash, keep_lock):
    """Write the module's ``key.pkl`` and add it to ``cache``'s maps, under the lock.

    Returns the module, or the one already registered under ``key`` if, while
    g++ ran, another thread's refresh read that key from another process.
    """
    from theano.gof import compilelock
    with _CACHE_LOCK, compilelock.lock_ctx(keep_lock=keep_lock):
        if key in cache.entry_from_key:
            return cache._get_from_key(key)
        cache.module_from_name[module.__file__] = module
        cache.module_hash_to_key_data[module_hash] = cache._add_to_cache(module, key, module_hash)
        cache.stats[2] += 1
    return module


def module_from_key(cache, key, lnk=None, keep_lock=False):
    """``ModuleCache.module_from_key`` with g++ running outside the compile lock.

    Parameters
    ----------
    cache : theano.gof.cmodule.ModuleCache
        The process's module cache.
    key : tuple
        The module's key, ``(version, signature)``.
    lnk : theano.gof.cc.CLinker
        Gives the source code and compiles it.
    keep_lock : bool
        Keep the lock after registering a new module, as in Theano.

    Returns
    -------
    module
        The imported C module: from this process, from the cache on disk, or
        compiled now.
    """
    from theano.gof import cmodule
    with _CACHE_LOCK:
        module = cache._get_from_key(key)
    if module is not None:
        return module
    module_hash = cmodule.get_module_hash(lnk.get_src_code(), key)
    with _CACHE_LOCK:
        module = _lookup(cache, key, module_hash, keep_lock)
        if module is None:
            cache.refresh(cleanup=False)
            module = _lookup(cache, key, module_hash, keep_lock)
        if module is not None:
            return module
        location = _new_work_directory(cache)
    try:
        module = _compile(lnk, location)
        os.remove(os.path.join(location, _PLACEHOLDER))
    except BaseException:
        shutil.rmtree(location, ignore_errors=True)
        raise
    registered = _register(cache, module, key, module_hash, keep_lock)
    if registered is not module:
        shutil.rmtree(location, ignore_errors=True)
    return registered


def install():
    """Replace ``ModuleCache.module_from_key`` for Theano's C linker (idempotent).

    Run by the start-up import hook once ``theano.gof.cc`` is loaded.
    """
    from theano.gof import cmodule
    from theano.gof.cc import CLinker
    original = cmodule.ModuleCache.module_from_key
    if getattr(original, _MARK, False):
        return

    def compile_outside_the_lock(cache, key, lnk=None, keep_lock=False):
        if not isinstance(lnk, CLinker):
            return original(cache, key, lnk=lnk, keep_lock=keep_lock)
        return module_from_key(cache, key, lnk=lnk, keep_lock=keep_lock)

    compile_outside_the_lock.__doc__ = module_from_key.__doc__
    setattr(compile_outside_the_lock, _MARK, True)
    cmodule.ModuleCache.module_from_key = compile_outside_the_lock
    cmodule.dlimport = _one_thread_at_a_time(cmodule.dlimport)


def _one_thread_at_a_time(dlimport):
    def locked_dlimport(*args, **kwargs):
        with _CACHE_LOCK:
            return dlimport(*args, **kwargs)
    locked_dlimport.__doc__ = dlimport.__doc__
    return locked_dlimport


def installed():
    """Whether :func:`install` has replaced ``ModuleCache.module_from_key``."""
    from theano.gof import cmodule
    return getattr(cmodule.ModuleCache.module_from_key, _MARK, False)
