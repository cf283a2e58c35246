"""Apply a layer "for every element" of extra axes by folding them into the batch axis."""
import numpy as np
import theano.tensor as T
from lasagne.layers import Layer, MergeLayer

from ..format import check_list

__all__ = ["BroadcastLayer", "UnbroadcastLayer", "UpcastLayer", "AwaitLayer"]


class BroadcastLayer(Layer):
    """Fold ``broadcasted_axes`` into one leading axis (C order: the first axis varies slowest).

    E.g. ``[batch, time, units]`` with axes ``(0, 1)`` becomes
    ``[batch * time, units]``; apply any layer, then undo with
    :class:`UnbroadcastLayer`.

    Parameters
    ----------
    incoming : layer
    broadcasted_axes : int or list of ints
        Negative values count from the end.
    force_broadcastable_batch : bool
        Require axis 0 among the folded axes.
    """

    def __init__(self, incoming, broadcasted_axes, force_broadcastable_batch=True, **kwargs):
        super(BroadcastLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        axes = sorted(axis % ndim for axis in check_list(broadcasted_axes))
        if not axes or any(not -ndim <= a < ndim for a in check_list(broadcasted_axes)):
            raise ValueError("`broadcasted_axes` must name at least one of the %i axes, got %r"
                             % (ndim, broadcasted_axes))
        if force_broadcastable_batch and 0 not in axes:
            raise ValueError("`broadcasted_axes` must include the batch axis 0 (or pass "
                             "force_broadcastable_batch=False), got %r" % (broadcasted_axes,))
        self.broadcasted_axes = axes
        self.non_broadcasted_axes = [a for a in range(ndim) if a not in axes]
        self.symbolic_input_shape = None

    def get_output_shape_for(self, input_shape):
        sizes = [input_shape[a] for a in self.broadcasted_axes]
        folded = None if None in sizes else int(np.prod(sizes))
        return (folded,) + tuple(input_shape[a] for a in self.non_broadcasted_axes)

    def get_output_for(self, input, **kwargs):
        # Read by the Unbroadcast/Upcast layers later in the same get_output call.
        self.symbolic_input_shape = input.shape
        moved = input.dimshuffle(self.broadcasted_axes + self.non_broadcasted_axes)
        rest = [input.shape[a] for a in self.non_broadcasted_axes]
        return moved.reshape([-1] + rest, ndim=1 + len(rest))


class AwaitLayer(MergeLayer):
    """Pass ``incoming`` through unchanged, but only after ``layer_to_await`` is computed."""

    def __init__(self, incoming, layer_to_await, **kwargs):
        super(AwaitLayer, self).__init__([incoming, layer_to_await], **kwargs)

    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        return inputs[0]


def _stored_shape(broadcast_layer, who):
    if broadcast_layer.symbolic_input_shape is None:
        raise ValueError("%s: its BroadcastLayer %r has not been computed yet; get both in the "
                         "same get_output call" % (who, broadcast_layer.name))
    return broadcast_layer.symbolic_input_shape


class UnbroadcastLayer(Layer):
    """Undo a :class:`BroadcastLayer`: unfold the leading axis back into the folded axes.

    Parameters
    ----------
    incoming : layer [folded, rest...]
    broadcast_layer : BroadcastLayer
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        expected = len(broadcast_layer.output_shape)
        if len(incoming.output_shape) != expected:
            raise ValueError("`incoming` must have ndim %i like the BroadcastLayer's output, got "
                             "shape %s" % (expected, incoming.output_shape))
        self.broadcast_layer = broadcast_layer
        super(UnbroadcastLayer, self).__init__(AwaitLayer(incoming, broadcast_layer), **kwargs)

    def get_output_shape_for(self, input_shape):
        layer = self.broadcast_layer
        shape = list(layer.input_shape)
        for axis, size in zip(layer.non_broadcasted_axes, input_shape[1:]):
            shape[axis] = size
        return tuple(shape)

    def get_output_for(self, input, **kwargs):
        layer = self.broadcast_layer
        stored = _stored_shape(layer, "UnbroadcastLayer")
        unfolded = input.reshape([stored[a] for a in layer.broadcasted_axes]
                                 + [input.shape[i] for i in range(1, input.ndim)],
                                 ndim=len(layer.broadcasted_axes) + input.ndim - 1)
        order = layer.broadcasted_axes + layer.non_broadcasted_axes
        return unfolded.dimshuffle([order.index(axis) for axis in range(len(order))])


class UpcastLayer(Layer):
    """Repeat each batch row so a non-folded layer lines up with a :class:`BroadcastLayer`.

    Row ``b`` becomes rows ``b * n ... b * n + n - 1``, with ``n`` the
    product of the folded sizes other than the batch axis.

    Parameters
    ----------
    incoming : layer [batch, ...]
    broadcast_layer : BroadcastLayer whose folded axes include axis 0
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        if 0 not in broadcast_layer.broadcasted_axes:
            raise ValueError("UpcastLayer needs a BroadcastLayer that folds the batch axis 0")
        self.broadcast_layer = broadcast_layer
        super(UpcastLayer, self).__init__(AwaitLayer(incoming, broadcast_layer), **kwargs)

    def _other_axes(self):
        return [a for a in self.broadcast_layer.broadcasted_axes if a != 0]

    def get_output_shape_for(self, input_shape):
        sizes = [input_shape[0]] + [self.broadcast_layer.input_shape[a] for a in self._other_axes()]
        folded = None if None in sizes else int(np.prod(sizes))
        return (folded,) + tuple(input_shape[1:])

    def get_output_for(self, input, **kwargs):
        stored = _stored_shape(self.broadcast_layer, "UpcastLayer")
        repeats = T.prod([stored[a] for a in self._other_axes()]) if self._other_axes() else 1
        return T.repeat(input, repeats, axis=0)
