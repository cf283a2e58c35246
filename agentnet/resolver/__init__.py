"""Resolvers: layers that turn per-action scores into action ids."""
from .base import *
from .epsilon_greedy import *
from .probabilistic import *

#: Alias of :class:`BaseResolver`: the greedy resolver.
GreedyResolver = BaseResolver

__all__ = ["BaseResolver", "GreedyResolver", "EpsilonGreedyResolver", "ProbabilisticResolver"]
