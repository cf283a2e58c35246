r"""Elementwise losses usable as ``loss_function(reference, prediction)``."""
import theano.tensor as T
from lasagne.objectives import squared_error

from ..utils._validation import require_real

__all__ = ["squared_error", "huber_loss"]


def huber_loss(reference, prediction, delta=1.0):
    r"""Huber loss: quadratic near zero, linear beyond ``delta``.

    .. math::
        L(x) = \begin{cases} \frac{1}{2} x^2 & |x| \le \delta \\
                             \delta (|x| - \frac{1}{2}\delta) & \text{otherwise}
               \end{cases}, \qquad x = reference - prediction

    Its gradient is the TD error clipped to :math:`[-\delta, \delta]`, as in
    the DQN paper (Mnih et al. 2015). Note the factor 1/2: with small errors
    it is half of :func:`squared_error`.

    Parameters
    ----------
    reference, prediction : tensors of the same shape
    delta : float > 0
        Where the loss turns linear; 1 in the DQN paper.

    Returns
    -------
    tensor
        :math:`L(x)` elementwise, in the broadcast shape of ``reference``
        and ``prediction``.

    Raises
    ------
    ValueError, TypeError
        Unless ``delta`` is a finite number > 0 (with ``delta <= 0`` the loss
        would be negative or zero).
    """
    delta = require_real(delta, "delta", low=0, low_open=True)
    error = abs(reference - prediction)
    quadratic = T.minimum(error, delta)
    return 0.5 * quadratic ** 2 + delta * (error - quadratic)
