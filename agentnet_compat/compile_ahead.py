"""A new function's missing C modules are compiled side by side, one g++ per core.

Theano 1.0.5 links a function node by node (``VM_Linker.make_all``): each
node's ``make_thunk`` generates its C module's source, and on a cache miss
runs g++ on it (about 1 s with Theano's flags, 0.5 s with the precompiled
header) before the next node is looked at. One process thus compiles on
one core, however many it has: the CartPole demo's training step took 34 s on
an empty compile directory with the other core idle.

:func:`install` wraps ``make_all``. Before Theano's loop it builds, for every
node with C code, the single-node C linker that ``Op.make_c_thunk`` would
build (same graph, no recycled outputs, as ``VM_Linker`` asks) and its cache
key; when two or more keys are missing from the compile cache, a pool of one
thread per core gets each missing module from
``ModuleCache.module_from_key`` (whose g++ runs outside every lock, see
:mod:`agentnet_compat.parallel_compile`). Theano's loop then finds the modules
in the cache. Nothing else changes: a node whose key differs from Theano's
own, or whose compilation fails here, is compiled (and its error raised) by
Theano's loop as before; ops with their own ``make_thunk`` or
``make_c_thunk`` (``Scan``, for example) are left to Theano.
``AGENTNET_NO_COMPILE_AHEAD=1`` turns it off.
"""
import os
from concurrent.futures import ThreadPoolExecutor

from . import parallel_compile
from .threads import available_cores

__all__ = ["install", "missing_modules", "compile_ahead"]

_MARK = "_agentnet_compiles_ahead"
OPT_OUT = "AGENTNET_NO_COMPILE_AHEAD"


def _single_node_linker(node):
    """The C linker ``Op.make_c_thunk`` builds for ``node`` (no recycled outputs)."""
    from theano.gof.cc import CLinker
    from theano.gof.fg import FunctionGraph
    return CLinker().accept(FunctionGraph(node.inputs, node.outputs), no_recycling=[])


def _uses_theanos_c_thunk(op):
    from theano.gof.op import CLinkerOp, Op
    return (isinstance(op, CLinkerOp) and type(op).make_thunk is Op.make_thunk
            and type(op).make_c_thunk is Op.make_c_thunk)


def missing_modules(nodes, cache):
    """``(key, linker)`` of each node's C module that ``cache`` does not hold, once per key.

    Parameters
    ----------
    nodes : iterable of theano.gof.Apply
        A function's nodes.
    cache : theano.gof.cmodule.ModuleCache

    Returns
    -------
    list of (tuple, theano.gof.cc.CLinker)
        Nodes without C code, with an unversioned key (a module Theano keeps
        for one process only and deletes at exit), or whose linker raises
        are left out.
    """
    missing = {}
    for node in nodes:
        if not _uses_theanos_c_thunk(node.op):
            continue
        try:
            linker = _single_node_linker(node)
            key = linker.cmodule_key()
        except Exception:  # no C code, or Theano will say what is wrong with it
            continue
        if key and key[0] and key not in cache.entry_from_key and key not in missing:
            missing[key] = linker
    return list(missing.items())


def compile_ahead(nodes, n_threads):
    """Compile the missing C modules of ``nodes`` on ``n_threads`` threads (if 2 or more).

    Failures are ignored here: the node's own ``make_thunk`` compiles it again
    and raises the error where Theano would.

    Parameters
    ----------
    nodes : iterable of theano.gof.Apply
    n_threads : int

    Returns
    -------
    int
        How many modules were missing.
    """
    from theano.gof.cc import get_module_cache
    cache = get_module_cache()
    missing = missing_modules(nodes, cache)
    if len(missing) < 2 or n_threads < 2:
        return len(missing)

    def build(key_and_linker):
        key, linker = key_and_linker
        try:
            cache.module_from_key(key=key, lnk=linker)
        except Exception:  # raised again, with Theano's context, by the node's make_thunk
            pass

    with ThreadPoolExecutor(max_workers=min(n_threads, len(missing))) as pool:
        list(pool.map(build, missing))
    return len(missing)


def install():
    """Wrap ``theano.gof.vm.VM_Linker.make_all`` (idempotent); see the module docstring."""
    from theano.gof import vm
    original = vm.VM_Linker.make_all
    if getattr(original, _MARK, False):
        return

    def make_all(self, *args, **kwargs):
        enabled = os.environ.get(OPT_OUT, "") in ("", "0") and parallel_compile.installed()
        if enabled and self.c_thunks is not False:
            import theano
            if theano.config.cxx:
                compile_ahead(self.fgraph.apply_nodes, available_cores())
        return original(self, *args, **kwargs)

    make_all.__doc__ = original.__doc__
    setattr(make_all, _MARK, True)
    vm.VM_Linker.make_all = make_all
