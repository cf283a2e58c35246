"""A sum tree over session slots: O(log n) batched priority updates and proportional draws.

The tree is one float64 array ``nodes`` of ``2 * n_leaves`` entries, with
``n_leaves`` a power of two: node 1 is the root, node ``k`` has children
``2k`` and ``2k + 1``, and leaf ``i`` is node ``n_leaves + i``. Every inner
node holds the sum of its two children, so the root holds the total mass.
Updates and draws work on a whole batch of slots at once, one numpy
operation per level of the tree.
"""
import numpy as np

__all__ = ["SumTree"]


def _leaf_count(capacity):
    """Smallest power of two >= ``capacity`` (at least 1)."""
    return 1 << max(int(capacity) - 1, 0).bit_length()


class SumTree(object):
    """Non-negative masses over ``capacity`` slots, all zero at first.

    Parameters
    ----------
    capacity : int >= 0
        Number of slots.
    """

    def __init__(self, capacity):
        self.capacity = int(capacity)
        self.n_leaves = _leaf_count(capacity)
        self.depth = self.n_leaves.bit_length() - 1
        self.nodes = np.zeros(2 * self.n_leaves, dtype=np.float64)

    @property
    def total(self):
        """Sum of all masses (the root)."""
        return float(self.nodes[1])

    def leaves(self):
        """The masses of every slot, ``[capacity]`` (a view)."""
        return self.nodes[self.n_leaves:self.n_leaves + self.capacity]

    def get(self, slots):
        """Masses of ``slots`` (int array)."""
        return self.nodes[self.n_leaves + np.asarray(slots)]

    def set(self, slots, masses):
        """Set the masses of ``slots`` and recompute their ancestors.

        Each parent is recomputed from its two children (never by adding a
        difference), so rounding errors do not accumulate. Cost
        :math:`O(k \\log n)` for ``k`` slots; with repeated slots the last
        mass wins.
        """
        nodes = self.n_leaves + np.asarray(slots, dtype=np.int64)
        self.nodes[nodes] = masses
        for _ in range(self.depth):
            nodes = nodes >> 1
            self.nodes[nodes] = self.nodes[2 * nodes] + self.nodes[2 * nodes + 1]

    def rebuild(self, masses):
        """Set every slot from ``masses`` ``[capacity]`` at once, level by level (O(n))."""
        self.nodes[:] = 0
        self.nodes[self.n_leaves:self.n_leaves + self.capacity] = masses
        for level in range(self.depth - 1, -1, -1):
            first = 1 << level
            children = self.nodes[2 * first:4 * first]
            self.nodes[first:2 * first] = children[0::2] + children[1::2]

    def find(self, mass):
        """Slots whose cumulative mass interval holds each value of ``mass``.

        Slot :math:`i` owns :math:`[\\sum_{j<i} m_j, \\sum_{j \\le i} m_j)`,
        so a uniform ``mass`` in :math:`[0, total)` picks slot :math:`i`
        with probability :math:`m_i / total`. All values descend together,
        one level per step. A branch of zero mass is never entered, so a
        rounding error at an interval's edge cannot pick an empty slot.

        Parameters
        ----------
        mass : float array [k]
            Values in :math:`[0, total)`.

        Returns
        -------
        int64 array [k]
        """
        mass = np.array(mass, dtype=np.float64)
        nodes = np.ones(mass.shape, dtype=np.int64)
        for _ in range(self.depth):
            left = self.nodes[2 * nodes]
            right = (mass >= left) & (self.nodes[2 * nodes + 1] > 0) | (left <= 0)
            mass -= np.where(right, left, 0.)
            nodes = 2 * nodes + right
        return nodes - self.n_leaves
