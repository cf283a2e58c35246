"""Nonlinearities of later Lasagne versions: ``elu``."""
import theano.tensor as T

__all__ = ["elu"]


def elu(x):
    r"""Exponential linear unit (Clevert et al. 2016).

    .. math::
        \mathrm{elu}(x) = \begin{cases} x & x > 0 \\ e^x - 1 & x \le 0 \end{cases}

    Parameters
    ----------
    x : tensor of any shape, float

    Returns
    -------
    tensor of the same shape and dtype

    References
    ----------
    D.-A. Clevert, T. Unterthiner, S. Hochreiter. Fast and accurate deep
    network learning by exponential linear units (ELUs). ICLR 2016.
    """
    # expm1 keeps precision for small negative x, where e^x - 1 cancels.
    return T.switch(x > 0, x, T.expm1(x))
