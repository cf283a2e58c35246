"""A wide sum tree over session slots: O(log n) batched priority updates and proportional draws.

Every node holds the sum of its ``branching`` children; the leaves are the
slots' masses, the root their total. ``levels[d]`` holds the
``branching ** d`` nodes of depth ``d`` (node ``k``'s children are
``k * branching + j``), so a leaf is ``depth`` steps from the root.

A wide tree (64 children per node: depth 3 for up to 262,144 slots) instead
of a binary one (depth 17 for 100,000 slots) because every step costs a few
numpy calls whatever the batch, and numpy's per-call overhead, not the
arithmetic, dominates at a batch of 32: three steps over 64 children take a
fraction of the time of seventeen over two. Updates and draws still cost
:math:`O(b \\log_b n)` per slot, and work on a whole batch of slots at once.
"""
import numpy as np

__all__ = ["SumTree"]


def _depth(capacity, branching):
    """Smallest depth >= 1 whose ``branching ** depth`` leaves hold ``capacity`` slots."""
    depth = 1
    while branching ** depth < capacity:
        depth += 1
    return depth


class SumTree(object):
    """Non-negative masses over ``capacity`` slots, all zero at first.

    Parameters
    ----------
    capacity : int >= 0
        Number of slots.
    branching : int >= 2
        Children per node.
    """

    def __init__(self, capacity, branching=64):
        self.capacity, self.branching = int(capacity), int(branching)
        self.depth = _depth(self.capacity, self.branching)
        self.levels = [np.zeros(self.branching ** d) for d in range(self.depth + 1)]

    @property
    def total(self):
        """Sum of all masses (the root)."""
        return float(self.levels[0][0])

    def leaves(self):
        """The masses of every slot, ``[capacity]`` (a view)."""
        return self.levels[-1][:self.capacity]

    def get(self, slots):
        """Masses of ``slots`` (int array)."""
        return self.levels[-1][slots]

    def _children(self, depth, nodes):
        """``[len(nodes), branching]`` masses of the children of ``nodes`` at ``depth``."""
        return self.levels[depth + 1].reshape(-1, self.branching)[nodes]

    def set(self, slots, masses):
        """Set the masses of ``slots`` and recompute their ancestors.

        Each ancestor is recomputed as the sum of its children (never by
        adding a difference), so rounding errors do not accumulate. Cost
        :math:`O(k\\, b \\log_b n)` for ``k`` slots; with repeated slots the
        last mass wins.
        """
        nodes = np.asarray(slots, dtype=np.int64)
        self.levels[-1][nodes] = masses
        for depth in range(self.depth - 1, -1, -1):
            nodes = nodes // self.branching
            self.levels[depth][nodes] = self._children(depth, nodes).sum(axis=1)

    def rebuild(self, masses):
        """Set every slot from ``masses`` ``[capacity]`` at once, level by level (O(n))."""
        self.levels[-1][:] = 0
        self.levels[-1][:self.capacity] = masses
        for depth in range(self.depth - 1, -1, -1):
            self.levels[depth][:] = self.levels[depth + 1].reshape(-1, self.branching).sum(axis=1)

    def find(self, mass):
        """Slots whose cumulative mass interval holds each value of ``mass``.

        Slot :math:`i` owns :math:`[\\sum_{j<i} m_j, \\sum_{j \\le i} m_j)`,
        so a uniform ``mass`` in :math:`[0, total)` picks slot :math:`i` with
        probability :math:`m_i / total`. All values descend together, one
        level per step: at each node the child is the first whose cumulative
        sum exceeds the remaining mass, clipped just below the node's total,
        so a rounding error at the end of the range cannot pick an empty slot.

        Parameters
        ----------
        mass : float array [k]
            Values in :math:`[0, total)`.

        Returns
        -------
        int64 array [k]
        """
        mass = np.array(mass, dtype=np.float64)[:, None]
        nodes = np.zeros(len(mass), dtype=np.int64)
        for depth in range(self.depth):
            cumulative = np.cumsum(self._children(depth, nodes), axis=1)
            # below the node's own total, the first child whose sum exceeds the mass has mass
            mass = np.minimum(mass, np.nextafter(cumulative[:, -1:], 0))
            passed = cumulative <= mass
            # the mass left inside the chosen child: minus the children passed before it
            mass -= (cumulative * passed).max(axis=1, keepdims=True)
            nodes = nodes * self.branching + passed.sum(axis=1)
        return nodes
