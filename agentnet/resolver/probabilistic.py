"""Sampling actions from a categorical policy."""
import theano.tensor as T

from ..utils._validation import require_bool
from .base import BaseResolver
from ._seeding import random_streams

__all__ = ["ProbabilisticResolver"]


class ProbabilisticResolver(BaseResolver):
    r"""Sample :math:`a \sim \pi(\cdot|s)` from non-negative scores.

    With :math:`p = s / \sum_i s_i` (or :math:`s` if ``assume_normalized``),
    :math:`c` its cumulative sum and :math:`u \sim \mathcal{U}(0, 1)`, the
    action is :math:`\#\{i < A - 1 : c_i < u\}`. Leaving out the last
    cumulative sum keeps the id below :math:`A` even when rounding makes
    :math:`\sum p` slightly less than 1.

    Parameters
    ----------
    incoming : layer [batch, n_actions]
        Probabilities (e.g. a softmax) or unnormalised non-negative scores.
    assume_normalized : bool
    seed : int >= 0 or None
        None draws it from ``lasagne.random.get_rng()``.
    output_dtype : str
        Integer dtype of the action ids.
    name : str

    Raises
    ------
    TypeError
        If ``incoming`` is not a layer, ``assume_normalized`` not a bool,
        ``seed`` not an int or ``output_dtype`` not a dtype.
    ValueError
        If ``incoming`` is not 2-D, ``seed`` is negative or ``output_dtype``
        is not an integer dtype.

    Notes
    -----
    ``greedy=True`` (a ``get_output`` flag, or ``recurrence_flags`` inside a
    recurrence) returns the most probable action instead. Random updates
    inside ``theano.scan``: see :class:`EpsilonGreedyResolver`.
    """

    def __init__(self, incoming, assume_normalized=False, seed=1234, output_dtype="int32",
                 name="ProbabilisticResolver"):
        self.assume_normalized = require_bool(assume_normalized, "assume_normalized")
        self.rng = random_streams(seed)
        super(ProbabilisticResolver, self).__init__(incoming, name=name, output_dtype=output_dtype)

    def get_output_for(self, policy, greedy=False, **kwargs):
        if greedy:
            return T.argmax(policy, axis=-1).astype(self.output_dtype)
        probabilities = policy if self.assume_normalized \
            else policy / policy.sum(axis=1, keepdims=True)
        cumulative = T.cumsum(probabilities, axis=1)
        uniform = self.rng.uniform(low=0, high=1, size=(policy.shape[0], 1))
        return T.sum(uniform > cumulative[:, :-1], axis=1).astype(self.output_dtype)
