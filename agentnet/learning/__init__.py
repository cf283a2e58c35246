"""Learning objectives over ``[batch, tick]`` sessions.

Nothing is re-exported: import the algorithm you need, e.g.
``from agentnet.learning import qlearning``.
"""
