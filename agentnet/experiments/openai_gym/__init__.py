"""Gymnasium and Atari: environment pools and observation wrappers.

The pools load on first use (``from agentnet.experiments.openai_gym import
ProcessEnvPool``), so importing this package imports neither Theano nor
gymnasium.
"""
import importlib

__all__ = ["EnvPool", "ProcessEnvPool", "GameWorker", "WorkerError"]

_HOMES = {"EnvPool": "pool", "ProcessEnvPool": "process_pool", "WorkerError": "streaming_pool",
          "GameWorker": "game_worker"}


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(importlib.import_module("." + _HOMES[name], __name__), name)
