r"""Recurrent replay with burn-in (Kapturowski et al. 2019, R2D2).

A session replayed from its stored first memory :math:`h_0` runs its first
``burn_in`` ticks only to bring the memory up to date; no gradient reaches
the network through the memory they produce:

.. math::
    h_t = f(h_{t-1}, o_t) \quad \text{for every } t, \qquad
    \frac{\partial h_{b}}{\partial \theta} := 0 \quad (b = \mathrm{burn\_in} - 1)

The values are those of the plain replay; only the gradient through the
memory after tick ``burn_in - 1`` is cut. The learning ticks are
``burn_in .. T-1``: the loss must leave out the first ``burn_in`` ticks
(``loss[:, burn_in:]``), so that the burn-in ticks take no gradient either.
"""
from collections import OrderedDict

import theano
import theano.tensor as T
from lasagne.layers import InputLayer

from ..utils._validation import require_int
from ._linking import check_layer
from ._memory_reset import RowwiseMemoryEdit

__all__ = ["GradientStoppedAt", "with_burn_in", "check_burn_in"]


class GradientStoppedAt(RowwiseMemoryEdit):
    r"""A memory's new value whose gradient is cut in the batch rows where ``stop`` is 1.

    .. math:: y = \mathrm{stop} \cdot \mathrm{sg}(h) + (1 - \mathrm{stop}) \cdot h

    Parameters
    ----------
    memory : Layer
        The new value of a memory, ``[batch, shape...]``.
    stop : Layer
        ``[batch]``, 1 at the tick whose memory passes no gradient back.
    """

    def __init__(self, memory, stop, **kwargs):
        RowwiseMemoryEdit.__init__(self, memory, stop, **kwargs)

    def get_output_for(self, inputs, **kwargs):
        memory, stop = inputs
        row_stop = stop.dimshuffle([0] + ["x"] * (memory.ndim - 1))
        return T.switch(row_stop, theano.gradient.disconnected_grad(memory), memory)


def check_burn_in(burn_in, session_length):
    """``burn_in`` as an int in ``[0, session_length)`` (the bound when it is known)."""
    burn_in = require_int(burn_in, "burn_in", minimum=0, meaning=" (ticks)")
    if isinstance(session_length, int) and burn_in >= session_length:
        raise ValueError("`burn_in` must be smaller than `session_length` (%i) to leave "
                         "learning ticks, got %i" % (session_length, burn_in))
    return burn_in


def _stop_flags(environment, session_length, burn_in):
    """``[batch, tick]`` uint8: 1 at tick ``burn_in - 1``, the last tick of the burn-in."""
    batch_size = environment.observations[0].shape[0]
    flags = T.zeros((batch_size, session_length), dtype="uint8")
    return T.set_subtensor(flags[:, burn_in - 1], 1)


def with_burn_in(state_variables, state_init, environment, session_length, burn_in):
    """Memories wrapped in :class:`GradientStoppedAt`, their inits and the flag feed.

    Parameters
    ----------
    state_variables : OrderedDict {new memory layer: previous memory layer}
    state_init : OrderedDict {new memory layer: initial value}
    environment : SessionPoolEnvironment or SessionBatchEnvironment
    session_length : int or symbolic int
    burn_in : int >= 1

    Returns
    -------
    state_variables, state_init : OrderedDict
        Keyed by the wrapped layers.
    feed : dict {InputLayer: [batch, tick] uint8 flags}
        The extra input sequence of the Recurrence.
    """
    stop_t = InputLayer((None,), input_var=T.TensorType("uint8", (False,))("replay.burn_in_end"),
                        name="replay.burn_in_end")
    wrapped = OrderedDict((new, GradientStoppedAt(new, stop_t, name="%s.burn_in" % new.name))
                          for new in state_variables)
    flags = _stop_flags(environment, session_length, burn_in)
    return (OrderedDict((wrapped[new], prev) for new, prev in state_variables.items()),
            OrderedDict((wrapped[new], value) for new, value in state_init.items()),
            {stop_t: check_layer(stop_t, flags, session_length)})
