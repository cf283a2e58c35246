"""Random streams of the stochastic resolvers."""
from lasagne.random import get_rng
from theano.tensor.shared_randomstreams import RandomStreams

from ..utils._validation import require_int

__all__ = ["random_streams"]


def random_streams(seed):
    """``RandomStreams(seed)``; ``seed=None`` draws the seed from ``lasagne.random.get_rng()``.

    So ``lasagne.random.set_rng(np.random.RandomState(k))`` before building
    the agent makes a run reproducible without passing seeds around.

    Raises
    ------
    TypeError, ValueError
        If ``seed`` is neither None nor an int >= 0.
    """
    if seed is None:
        seed = get_rng().randint(1, 2 ** 31 - 1)
    return RandomStreams(require_int(seed, "seed", minimum=0))
