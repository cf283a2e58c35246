"""Apply a layer "for every element" of extra axes by folding them into the batch axis.

A :class:`BroadcastLayer` folds some axes into one leading axis, any layer
that expects ``[batch, ...]`` is applied to the folded tensor, and an
:class:`UnbroadcastLayer` unfolds the result. An :class:`UpcastLayer` repeats a
layer that was not folded (e.g. a per-session context) so that it lines up
row by row with the folded one.
"""
import numbers

import numpy as np
import theano.tensor as T
from lasagne.layers import Layer, MergeLayer

from .._validation import require_bool, require_layer, shape_str
from ..format import check_list

__all__ = ["BroadcastLayer", "UnbroadcastLayer", "UpcastLayer", "AwaitLayer"]


def _normalized_axes(broadcasted_axes, ndim):
    """``broadcasted_axes`` as sorted non-negative ints, checked against ``ndim``."""
    axes = check_list(broadcasted_axes)
    if not axes:
        raise ValueError("`broadcasted_axes` must name at least one axis, got %r"
                         % (broadcasted_axes,))
    for axis in axes:
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise TypeError("`broadcasted_axes` must hold ints, got %r" % (broadcasted_axes,))
        if not -ndim <= axis < ndim:
            raise ValueError("`broadcasted_axes` must be axes of the %i-d input (-%i .. %i), "
                             "got %r" % (ndim, ndim, ndim - 1, broadcasted_axes))
    normalized = sorted(int(axis) % ndim for axis in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError("`broadcasted_axes` names an axis twice, got %r for a %i-d input"
                         % (broadcasted_axes, ndim))
    return normalized


def _product_or_none(sizes):
    return None if any(size is None for size in sizes) else int(np.prod(sizes, dtype=np.int64))


class BroadcastLayer(Layer):
    r"""Fold ``broadcasted_axes`` into one leading axis, in C order.

    For an input of shape :math:`[d_0, \dots, d_{n-1}]` folded over the axes
    :math:`b_1 < \dots < b_k` (the others, :math:`r_1 < \dots < r_m`, are kept)

    .. math::

        y[i, x_{r_1}, \dots, x_{r_m}] = x[\dots], \qquad
        i = \mathrm{ravel}\big((x_{b_1}, \dots, x_{b_k}),
                               (d_{b_1}, \dots, d_{b_k})\big)

    i.e. the first folded axis varies slowest. ``[batch, time, units]``
    folded over ``(0, 1)`` becomes ``[batch * time, units]``; apply any layer,
    then unfold with :class:`UnbroadcastLayer`.

    Parameters
    ----------
    incoming : lasagne.layers.Layer
        Shape ``[d_0, ..., d_{n-1}]``, any dtype.
    broadcasted_axes : int or list of ints
        The axes to fold; negative values count from the end.
    force_broadcastable_batch : bool
        Require axis 0 among the folded axes (default ``True``), which
        :class:`UpcastLayer` relies on.

    Attributes
    ----------
    broadcasted_axes : list of int
        Sorted ascending, non-negative.
    non_broadcasted_axes : list of int
        The other axes, in order.
    symbolic_input_shape : theano vector or None
        The input's symbolic shape, stored by :meth:`get_output_for` and read
        by the unbroadcast/upcast layers later in the same ``get_output``
        call.

    Raises
    ------
    ValueError
        If no axis is given, an axis is out of range or repeated, or axis 0
        is missing while ``force_broadcastable_batch``.
    TypeError
        If an axis is not an int.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> sequence = InputLayer((None, 7, 4))
    >>> folded = BroadcastLayer(sequence, (0, 1))
    >>> folded.output_shape
    (None, 4)
    >>> UnbroadcastLayer(DenseLayer(folded, 5), folded).output_shape
    (None, 7, 5)
    """

    def __init__(self, incoming, broadcasted_axes, force_broadcastable_batch=True, **kwargs):
        require_layer(incoming, "incoming")
        super(BroadcastLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        axes = _normalized_axes(broadcasted_axes, ndim)
        if require_bool(force_broadcastable_batch, "force_broadcastable_batch") and 0 not in axes:
            raise ValueError("`broadcasted_axes` must include the batch axis 0 (or pass "
                             "force_broadcastable_batch=False), got %r" % (broadcasted_axes,))
        self.broadcasted_axes = axes
        self.non_broadcasted_axes = [axis for axis in range(ndim) if axis not in axes]
        self.symbolic_input_shape = None

    def get_output_shape_for(self, input_shape):
        folded = _product_or_none([input_shape[axis] for axis in self.broadcasted_axes])
        return (folded,) + tuple(input_shape[axis] for axis in self.non_broadcasted_axes)

    def get_output_for(self, input, **kwargs):
        # Read by the Unbroadcast/Upcast layers later in the same get_output call.
        self.symbolic_input_shape = input.shape
        moved = input.dimshuffle(self.broadcasted_axes + self.non_broadcasted_axes)
        kept = [input.shape[axis] for axis in self.non_broadcasted_axes]
        return moved.reshape([-1] + kept, ndim=1 + len(kept))


class AwaitLayer(MergeLayer):
    """Output ``incoming`` unchanged, but only after ``layer_to_await`` is computed.

    Making ``layer_to_await`` an input puts it before this layer in Lasagne's
    topological order.

    Parameters
    ----------
    incoming : lasagne.layers.Layer
        Passed through; its shape is this layer's shape.
    layer_to_await : lasagne.layers.Layer
        Evaluated first; its output is ignored.
    """

    def __init__(self, incoming, layer_to_await, **kwargs):
        super(AwaitLayer, self).__init__([incoming, layer_to_await], **kwargs)

    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        return inputs[0]


def _require_broadcast_layer(layer, who):
    if not isinstance(layer, BroadcastLayer):
        raise TypeError("%s: `broadcast_layer` must be a BroadcastLayer, got %s"
                        % (who, type(layer).__name__))
    return layer


def _stored_shape(broadcast_layer, who):
    if broadcast_layer.symbolic_input_shape is None:
        raise ValueError("%s: its BroadcastLayer %r has not been computed yet; get both in the "
                         "same get_output call" % (who, broadcast_layer.name))
    return broadcast_layer.symbolic_input_shape


class UnbroadcastLayer(Layer):
    r"""Undo a :class:`BroadcastLayer`: unfold the leading axis into the folded axes.

    With :math:`z` of shape :math:`[\prod_j d_{b_j}, s_1, \dots, s_m]` (one
    trailing axis per kept axis of the broadcast input),

    .. math::

        y[\dots, x_{b_j}, \dots, x_{r_l}, \dots] =
        z[\mathrm{ravel}((x_{b_1}, \dots, x_{b_k}), (d_{b_1}, \dots, d_{b_k})),
          x_{r_1}, \dots, x_{r_m}]

    where the folded axes come back at their original positions and the kept
    axes take the sizes :math:`s_l` of ``incoming``.

    Parameters
    ----------
    incoming : lasagne.layers.Layer
        Shape ``[folded, s_1, ..., s_m]``: as many axes as the broadcast
        layer's output.
    broadcast_layer : BroadcastLayer
        Evaluated before this layer (through an :class:`AwaitLayer`).

    Raises
    ------
    ValueError
        If ``incoming`` has the wrong number of axes; at ``get_output`` time,
        if the broadcast layer was not evaluated.
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        require_layer(incoming, "incoming")
        _require_broadcast_layer(broadcast_layer, "UnbroadcastLayer")
        expected = len(broadcast_layer.output_shape)
        if len(incoming.output_shape) != expected:
            raise ValueError("`incoming` must have ndim %i like the BroadcastLayer's output %s, "
                             "got shape %s" % (expected, shape_str(broadcast_layer.output_shape),
                                               shape_str(incoming.output_shape)))
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
        sizes = ([stored[axis] for axis in layer.broadcasted_axes]
                 + [input.shape[axis] for axis in range(1, input.ndim)])
        unfolded = input.reshape(sizes, ndim=len(sizes))
        # Axis `axis` of the result sits at position order.index(axis) of `unfolded`.
        order = layer.broadcasted_axes + layer.non_broadcasted_axes
        return unfolded.dimshuffle([order.index(axis) for axis in range(len(order))])


class UpcastLayer(Layer):
    r"""Repeat each batch row so a layer that was not folded lines up with a folded one.

    With :math:`n = \prod_{j: b_j \neq 0} d_{b_j}` (the folded sizes other than
    the batch axis),

    .. math::

        y[i, \dots] = x[\lfloor i / n \rfloor, \dots]

    which matches the C-order folding: row :math:`b` of the batch becomes rows
    :math:`bn, \dots, bn + n - 1`.

    Parameters
    ----------
    incoming : lasagne.layers.Layer
        Shape ``[batch, ...]``, any dtype.
    broadcast_layer : BroadcastLayer
        Must fold axis 0; evaluated before this layer.

    Raises
    ------
    ValueError
        If the broadcast layer does not fold axis 0; at ``get_output`` time,
        if it was not evaluated.
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        require_layer(incoming, "incoming")
        _require_broadcast_layer(broadcast_layer, "UpcastLayer")
        if 0 not in broadcast_layer.broadcasted_axes:
            raise ValueError("UpcastLayer needs a BroadcastLayer that folds the batch axis 0, "
                             "got broadcasted_axes %r" % (broadcast_layer.broadcasted_axes,))
        self.broadcast_layer = broadcast_layer
        super(UpcastLayer, self).__init__(AwaitLayer(incoming, broadcast_layer), **kwargs)

    def _other_axes(self):
        return [axis for axis in self.broadcast_layer.broadcasted_axes if axis != 0]

    def get_output_shape_for(self, input_shape):
        input_sizes = self.broadcast_layer.input_shape
        folded = _product_or_none([input_shape[0]] + [input_sizes[a] for a in self._other_axes()])
        return (folded,) + tuple(input_shape[1:])

    def get_output_for(self, input, **kwargs):
        stored = _stored_shape(self.broadcast_layer, "UpcastLayer")
        other = self._other_axes()
        repeats = T.prod(T.stack([stored[axis] for axis in other])) if other else 1
        return T.repeat(input, repeats, axis=0)
