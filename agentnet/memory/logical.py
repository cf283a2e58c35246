"""Integer counters and conditional switches for one-tick graphs."""
import theano.tensor as T
from lasagne.layers import Layer, MergeLayer

from ..utils.layers.helpers import get_layer_dtype
from ..utils._validation import require_int, require_layer, shape_str

__all__ = ["CounterLayer", "SwitchLayer"]


class CounterLayer(Layer):
    r"""Counts ticks: :math:`c' = c + 1`, or :math:`(c + 1) \bmod k` when ``k`` is given.

    Its ``output_dtype`` is int32, so a recurrence starts it at int32 zeros.

    Parameters
    ----------
    prev_counter : layer
        The previous count; register the pair as a state.
    k : int >= 1 or None
        Period.
    name : str or None

    Raises
    ------
    TypeError
        If ``prev_counter`` is not a layer or ``k`` not an int.
    ValueError
        If ``k`` < 1.
    """

    def __init__(self, prev_counter, k=None, name=None):
        require_layer(prev_counter, "prev_counter")
        if k is not None:
            k = require_int(k, "k", meaning=" (the period) or None")
        super(CounterLayer, self).__init__(prev_counter, name=name)
        self.k = k

    @property
    def output_dtype(self):
        return "int32"

    def get_output_for(self, prev_counter, **kwargs):
        counter = T.cast(prev_counter + 1, "int32")
        return counter % self.k if self.k is not None else counter


class SwitchLayer(MergeLayer):
    """``switch(condition, than_branch, else_branch)``, elementwise with Theano broadcasting.

    Parameters
    ----------
    condition : layer
    than_branch, else_branch : layers of equal shape and dtype
    name : str or None
    """

    def __init__(self, condition, than_branch, else_branch, name=None):
        for argument, layer in (("condition", condition), ("than_branch", than_branch),
                                ("else_branch", else_branch)):
            require_layer(layer, argument)
        if tuple(than_branch.output_shape) != tuple(else_branch.output_shape):
            raise ValueError("`than_branch` and `else_branch` must have the same shape, got %s "
                             "and %s" % (shape_str(than_branch.output_shape),
                                         shape_str(else_branch.output_shape)))
        if get_layer_dtype(than_branch) != get_layer_dtype(else_branch):
            raise ValueError("`than_branch` and `else_branch` must have the same dtype, got %s "
                             "and %s"
                             % (get_layer_dtype(than_branch), get_layer_dtype(else_branch)))
        super(SwitchLayer, self).__init__([condition, than_branch, else_branch], name=name)

    @property
    def output_dtype(self):
        return get_layer_dtype(self.input_layers[2])

    def get_output_shape_for(self, input_shapes):
        return input_shapes[2]

    def get_output_for(self, inputs, **kwargs):
        return T.switch(*inputs)
