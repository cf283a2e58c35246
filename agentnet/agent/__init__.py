"""Agents and recurrences: unrolling one-tick graphs over time."""
from .recurrence import *
from .mdp_agent import *

#: Alias of :class:`MDPAgent`.
Agent = MDPAgent

__all__ = ["MDPAgent", "Agent", "Recurrence"]
