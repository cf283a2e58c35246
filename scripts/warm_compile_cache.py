"""Compile the CartPole demo's functions into Theano's persistent compile cache.

``make install`` runs it last, with the THEANO_FLAGS of ``make demo``, so that
the first ``make demo`` finds its C modules compiled: on an empty compile
directory Theano first builds its own modules (lazylinker, cutils, scan),
then about a hundred small modules for the demo's graphs, one g++ run of
1.5-2 s each. The graphs are the demo's own (``cartpole_dqn.prepare``: the
agent's react function and the training step), so their module keys match.
With a warm cache it only loads the modules (a few seconds) and compiles
nothing. Reads no input; prints what it does.

Usage: ``THEANO_FLAGS=base_compiledir=DIR,floatX=float32 python scripts/warm_compile_cache.py``.
"""
import os
import sys
import time

__all__ = ["main", "warm_demo"]

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def warm_demo():
    """Build and compile what ``examples/cartpole_dqn.py`` compiles; return its module."""
    sys.path.insert(0, EXAMPLES)
    import cartpole_dqn
    cartpole_dqn.prepare(cartpole_dqn.Hyperparameters())
    return cartpole_dqn


def main():
    started = time.time()
    print("Compiling the CartPole demo's functions into Theano's compile cache (the first time "
          "takes a few minutes, later runs a few seconds)...", flush=True)
    warm_demo()
    import theano
    print("Theano's compile cache %s holds the demo's functions (floatX=%s, %.0f s)."
          % (theano.config.compiledir, theano.config.floatX, time.time() - started))


if __name__ == "__main__":
    main()
