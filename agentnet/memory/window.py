"""A window of the last K values (e.g. the last frames seen), newest first."""
import theano.tensor as T
from lasagne.layers import MergeLayer

from ..utils._validation import shape_str

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

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        new_value, prev_window = inputs
        return T.concatenate([T.shape_padaxis(new_value, 1), prev_window[:, :-1]], axis=1)
