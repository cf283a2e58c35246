"""Module keys that let Theano 1.0.5's compile cache hit across processes on Python 3.

Theano keys each compiled C module by a *version* (the ``c_code_cache_version``
of every op and type in it) and a signature; a module whose version is the
empty tuple is "unversioned": built again by every process and deleted when
that process exits. Two flaws make modules that never change miss the cache:

* ``COp.c_code_cache_version`` is ``(hash(tuple(self.func_codes)),)``. Python 3
  salts the hash of a string per process (``PYTHONHASHSEED``), so the version
  of every op written as a ``COp`` (``DimShuffle`` among them) differs between
  processes, and so does the key of every module that contains one.
* ``CLinker.cmodule_key_`` puts each op's ``__props__`` into the version and
  calls the module unversioned when any entry is empty; ops without
  parameters (``Dot22``, ``Alloc``, ``Shape``, ``AdvancedSubtensor1`` ...)
  have empty ``__props__``, though their C code is versioned.

Measured on the CartPole demo's training step (2026-12-01): a process with a
warm cache still compiled 7 modules (about 11 s of its 16 s compile); with
:func:`install`, none. Modules that are versioned already keep their keys, so
an existing cache stays valid.
"""
import hashlib

__all__ = ["install", "stable_cop_version", "graph_version"]

_MARK = "_agentnet_versions_unversioned_props"


def stable_cop_version(op):
    """Version of a ``COp``'s C code that is the same in every process.

    Parameters
    ----------
    op : theano.gof.COp
        Its ``func_codes`` (the texts of its C files) are digested.

    Returns
    -------
    tuple
        ``("sha256", hex digest of the texts)``, plus the version of the op's
        ``params_type`` when it has one, as Theano's own version does.
    """
    digest = hashlib.sha256("\n".join(op.func_codes).encode("utf-8")).hexdigest()
    version = ("sha256", digest)
    if hasattr(op, "params_type"):
        version += (op.params_type.c_code_cache_version(),)
    return version


def _node_versions(node):
    """Versions of a node's C code: its op's, then each input and output type's."""
    versions = []
    if hasattr(node.op, "c_code_cache_version_apply"):
        versions.append(node.op.c_code_cache_version_apply(node))
    return versions + [v.type.c_code_cache_version() for v in node.inputs + node.outputs]


def graph_version(linker, fgraph):
    """Version of the module ``linker`` builds for ``fgraph``; ``()`` if any part has none.

    Parameters
    ----------
    linker : theano.gof.cc.CLinker
        Orders the nodes (its ``schedule``) as it does for the key.
    fgraph : theano.gof.FunctionGraph
        The graph of the module.

    Returns
    -------
    tuple
        Every op's and type's version followed by every op's ``__props__``
        names (so a renamed parameter still changes the key); empty when an
        op or a type is unversioned. Unlike Theano, an op without parameters
        (empty ``__props__``) does not make the module unversioned.
    """
    nodes = linker.schedule(fgraph)
    versions = [version for node in nodes for version in _node_versions(node)]
    if not all(versions):
        return ()
    return tuple(versions) + tuple(getattr(node.op, "__props__", ()) for node in nodes)


def _versioning(cmodule_key_):
    """Wrap ``CLinker.cmodule_key_``: an unversioned key gets :func:`graph_version`."""
    def versioned_cmodule_key_(linker, fgraph, *args, **kwargs):
        key = cmodule_key_(linker, fgraph, *args, **kwargs)
        if key is None or key[0]:
            return key
        return graph_version(linker, fgraph), key[1]
    setattr(versioned_cmodule_key_, _MARK, True)
    return versioned_cmodule_key_


def install():
    """Patch ``COp.c_code_cache_version`` and ``CLinker.cmodule_key_`` (idempotent).

    Run by ``import agentnet`` before anything is compiled.
    """
    from theano.gof import cc, op
    if getattr(cc.CLinker.cmodule_key_, _MARK, False):
        return
    op.COp.c_code_cache_version = stable_cop_version
    cc.CLinker.cmodule_key_ = _versioning(cc.CLinker.cmodule_key_)
