"""A window of the last K values (e.g. the last frames seen), newest first."""
import theano.tensor as T
from lasagne.layers import MergeLayer

from ..utils.layers.helpers import get_layer_dtype
from ..utils._validation import require_layer, shape_str

__all__ = ["WindowAugmentation"]


class WindowAugmentation(MergeLayer):
    r"""Push a new value on a window of the last ``K`` values, dropping the oldest.

    .. math::
        W'_{:, 0} = x, \qquad W'_{:, k} = W_{:, k-1}, \quad 1 \le k < K

    Parameters
    ----------
    new_value_input : layer [batch, item_shape...]
    prev_state_input : layer [batch, K, item_shape...]
        The previous window; register the pair as an agent state.

    Examples
    --------
    Keep the 4 last frames of a ``(None, 1, 84, 84)`` observation:

    >>> from lasagne.layers import InputLayer
    >>> frame = InputLayer((None, 1, 84, 84))
    >>> prev_window = InputLayer((None, 4, 1, 84, 84))
    >>> window = WindowAugmentation(frame, prev_window)
    >>> window.output_shape
    (None, 4, 1, 84, 84)
    """

    def __init__(self, new_value_input, prev_state_input, **kwargs):
        kwargs.setdefault("name", "YetAnotherWindowAugmentation")
        require_layer(new_value_input, "new_value_input")
        require_layer(prev_state_input, "prev_state_input")
        item_shape, window_shape = new_value_input.output_shape, prev_state_input.output_shape
        if len(window_shape) < 2 or tuple(window_shape[2:]) != tuple(item_shape[1:]):
            raise ValueError("`prev_state_input` must have shape [batch, window_size, *%s] to "
                             "hold items of shape %s, got %s"
                             % (shape_str(item_shape[1:]), shape_str(item_shape),
                                shape_str(window_shape)))
        if window_shape[1] is not None and window_shape[1] < 1:
            raise ValueError("the window size (axis 1 of `prev_state_input`) must be >= 1, got %i"
                             % window_shape[1])
        super(WindowAugmentation, self).__init__([new_value_input, prev_state_input], **kwargs)

    @property
    def output_dtype(self):
        """The previous window's dtype (a uint8 window of frames stays uint8).

        That is the declared ``output_dtype`` of ``prev_state_input``, else the
        dtype of its variable for an ``InputLayer``, else floatX.
        """
        prev_window = self.input_layers[1]
        variable = getattr(prev_window, "input_var", None)
        return get_layer_dtype(prev_window, getattr(variable, "dtype", None))

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        new_value, prev_window = inputs
        return T.concatenate([T.shape_padaxis(new_value, 1), prev_window[:, :-1]], axis=1)

    #: Position of the previous window among the incoming layers: the state that
    #: :meth:`get_sequence_output_for` rebuilds.
    state_input_index = 1

    def get_sequence_output_for(self, new_value_sequences, initial_window, is_alive=None):
        r"""The window after every tick of a whole sequence, without a loop.

        With :math:`x_t` the value pushed at tick :math:`t` and :math:`W_{-1}`
        the initial window, the window after tick :math:`t` is

        .. math::
            W_t[k] = m_{t,k} \begin{cases} x_{t-k} & k \le t \\
                                           W_{-1}[k - t - 1] & k > t \end{cases},
            \qquad m_{t,k} = \prod_{j=\max(t-k, 0)}^{t} \mathrm{alive}_j

        so a dead tick empties the window after it, as
        :class:`~agentnet.agent._memory_reset.ZeroedWhereDead` does in a loop
        (:math:`m = 1` without ``is_alive``). Used by replay without a loop
        (``MDPAgent.get_sessions(..., experience_replay=True)``).

        Parameters
        ----------
        new_value_sequences : list of one tensor [batch, tick, item_shape...]
            The values pushed at each tick.
        initial_window : tensor [batch, K, item_shape...]
        is_alive : tensor [batch, tick] of 0/1, or None

        Returns
        -------
        tensor [batch, tick, K, item_shape...], the window's dtype
        """
        values, = new_value_sequences
        size = self.output_shape[1]
        dtype = initial_window.dtype
        # history[:, K + t] = x_t and history[:, K - 1 - j] = W_{-1}[j],
        # so W_t[k] = history[K + t - k]
        history = T.concatenate([initial_window[:, ::-1], T.cast(values, dtype)], axis=1)
        n_ticks = values.shape[1]
        windows = T.stack([history[:, size - k:size - k + n_ticks] for k in range(size)], axis=2)
        if is_alive is None:
            return windows
        kept = _kept_window_items(is_alive, size)
        kept = kept.dimshuffle([0, 1, 2] + ["x"] * (windows.ndim - 3))
        return T.switch(kept, windows, T.zeros_like(windows))


def _kept_window_items(is_alive, size):
    r"""``[batch, tick, K]``: 1 where no tick in :math:`[t-k, t]` (clipped at 0) is dead.

    Uses :math:`D`, the number of dead ticks before each position of the
    alive flags padded with ``K`` live ticks in front: the ticks
    :math:`[s, e]` hold :math:`D_{e+1} - D_s` dead ones.
    """
    dead = T.cast(T.eq(is_alive, 0), "int32")
    padded = T.concatenate([T.zeros_like(dead[:, :1]).repeat(size + 1, axis=1), dead], axis=1)
    deaths_before = T.cumsum(padded, axis=1)
    n_ticks = is_alive.shape[1]
    upto_t = deaths_before[:, size + 1:size + 1 + n_ticks]
    return T.stack([T.eq(upto_t - deaths_before[:, size - k:size - k + n_ticks], 0)
                    for k in range(size)], axis=2)
