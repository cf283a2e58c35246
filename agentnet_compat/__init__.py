"""What AgentNet's dependencies need to work together, kept apart from AgentNet itself.

Lasagne 0.1 (the only release on PyPI) does not import under Theano 1.0, lacks
layers that later Lasagne versions and AgentNet use, and Theano needs a BLAS
setting to import under numpy >= 1.22. This package fixes that from outside:

* :mod:`.hook`: the start-up import hook (installed by
  ``agentnet-import-hook.pth`` at every interpreter start; imports nothing
  heavy until Theano or Lasagne is imported);
* :mod:`.blas`: the BLAS Theano links and the OpenBLAS kernel it runs;
* :mod:`.quiet`: filters for the warnings Theano and Lasagne raise about
  their own internals;
* :mod:`.backports`: the Lasagne master layers and fixes, attached to
  ``lasagne`` where Lasagne master keeps them;
* :mod:`.theano_cache_keys`: compile-cache keys that hit across processes
  on Python 3 (installed by ``import agentnet``, before anything compiles);
* :mod:`.parallel_compile`: g++ runs outside the compile directory's lock,
  so processes that compile at the same time do not take turns;
* :mod:`.compile_ahead`: a new function's missing C modules are compiled
  side by side, one g++ per core;
* :mod:`.precompiled_headers`: the includes every C module shares are
  precompiled once per compiler command;
* :mod:`.compiler_facts`: the ``-march=native`` flags and OpenMP support
  that Theano asks g++ about in every process, remembered per compiler and
  processor in the compile directory;
* :mod:`.scipy_imports`: Theano starts without importing ``scipy.signal``
  where its import fails anyway, and with ``scipy.stats`` loaded lazily;
* :mod:`.quick_exit`: the interpreter's clean-up at exit skips the
  garbage collector's walks over Theano's objects;
* :mod:`.threads`, :mod:`.denormals`, :mod:`.shared_products`,
  :mod:`.dense_products`: how compiled functions use the cores,
  floating-point denormals, a matrix product that FAST_RUN computed twice,
  and how a dense product runs (``gemv`` for one row, every core for a large
  product); :mod:`.op_swap` gives graph nodes those faster ops.

Nothing here imports ``agentnet``, so ``import lasagne`` in any program works
without loading AgentNet; nothing in ``agentnet`` needs to know that its
dependencies were patched. Deleting this package one day is one ``rm -r``.
"""
from .hook import install

__all__ = ["install"]
