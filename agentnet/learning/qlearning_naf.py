r"""Normalized advantage functions: Q-learning with continuous actions (Gu et al. 2016).

.. math::
    Q(s, u) = V(s) + A(s, u), \qquad
    A(s, u) = -\tfrac{1}{2} (u - \mu(s))^\top L(s) L(s)^\top (u - \mu(s))

with :math:`L` lower-triangular, so :math:`P = L L^\top` is positive
semi-definite and :math:`\mu(s)` is the greedy action.

The objective, :func:`get_elementwise_objective`, is the DPG critic's
(:func:`agentnet.learning.dpg.get_elementwise_objective_critic`): train with
``action_qvalues[:, :, 0]`` and ``state_values[:, :, 0]``.
"""
from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T
from lasagne.layers import (DenseLayer, ElemwiseSumLayer, GaussianNoiseLayer, InputLayer, Layer,
                            MergeLayer, NonlinearityLayer)

from ..utils.logging import warn
from ..utils._validation import (require_bool, require_int, require_layer, require_layer_ndim,
                                 require_real,
                                 shape_str)
from .dpg import get_elementwise_objective_critic

__all__ = ["diag_to_tril_size", "tril_size_to_diag", "LowerTriangularLayer", "NAFLayer",
           "build_NAF_controller", "get_elementwise_objective"]

get_elementwise_objective = get_elementwise_objective_critic


def diag_to_tril_size(diag):
    """Number of entries of a ``diag x diag`` lower triangle: ``d (d + 1) / 2``.

    Parameters
    ----------
    diag : int >= 0

    Returns
    -------
    int
    """
    diag = require_int(diag, "diag", 0)
    return diag * (diag + 1) // 2


def tril_size_to_diag(n):
    """Inverse of :func:`diag_to_tril_size` (rounded down).

    Parameters
    ----------
    n : int >= 0
        Entries of a lower triangle.

    Returns
    -------
    int
        The largest ``d`` with ``d (d + 1) / 2 <= n``.
    """
    return int(-0.5 + (0.25 + 2 * require_int(n, "n", 0)) ** 0.5)


class LowerTriangularLayer(Layer):
    """Fill ``[batch, d, d]`` lower-triangular matrices from ``[batch, d (d + 1) / 2]`` vectors.

    Entries go to ``numpy.tril_indices(d)`` positions in row-major order.

    Parameters
    ----------
    incoming : layer [batch, units]
    matrix_diag : int >= 1 or None
        ``d``. If given, ``incoming`` is first projected by a linear
        ``DenseLayer`` to ``d (d + 1) / 2`` units; if None, ``incoming`` must
        already have a triangular number of units.
    """

    def __init__(self, incoming, matrix_diag=None, **kwargs):
        name = kwargs.get("name") or "LowerTriangularLayer"
        require_layer(incoming, "incoming")
        if matrix_diag is not None:
            matrix_diag = require_int(matrix_diag, "matrix_diag", 1)
            size = diag_to_tril_size(matrix_diag)
            if len(incoming.output_shape) == 2 and incoming.output_shape[1] == size:
                warn("%s: the input already has %i units; it is projected anyway." % (name, size))
            incoming = DenseLayer(incoming, size, nonlinearity=None,
                                  name=name + ".preprocess_input")
        require_layer_ndim(incoming, 2, "incoming", "[batch, units]")
        units = incoming.output_shape[1]
        if matrix_diag is None and diag_to_tril_size(tril_size_to_diag(units)) != units:
            raise ValueError("`incoming` must have a triangular number of units d(d+1)/2, got %i"
                             % units)
        super(LowerTriangularLayer, self).__init__(incoming, **kwargs)
        self.matrix_diag = tril_size_to_diag(units)

    def get_output_shape_for(self, input_shape):
        """Output shape: one ``d x d`` matrix per row.

        Parameters
        ----------
        input_shape : tuple (batch, d (d + 1) / 2)

        Returns
        -------
        tuple (batch, d, d)
        """
        return (input_shape[0], self.matrix_diag, self.matrix_diag)

    def get_output_for(self, entries, **kwargs):
        """Scatter each row of ``entries`` below and on the diagonal of a zero matrix.

        Parameters
        ----------
        entries : tensor [batch, d (d + 1) / 2]
        **kwargs
            Ignored (Lasagne's ``get_output`` flags).

        Returns
        -------
        floatX tensor [batch, d, d]
            :math:`L` with ``L[b, i, j] = 0`` for ``j > i``.
        """
        rows, columns = np.tril_indices(self.matrix_diag)
        matrices = T.zeros((entries.shape[0], self.matrix_diag, self.matrix_diag),
                           dtype=theano.config.floatX)
        return T.set_subtensor(matrices[:, rows, columns], entries)


class NAFLayer(MergeLayer):
    r"""Advantage :math:`-\frac{1}{2}(u - \mu)^\top L L^\top (u - \mu)`, shape ``[batch, 1]``.

    Parameters
    ----------
    action_layer, mean_layer : layers [batch, action_dims]
    L_layer : layer [batch, action_dims, action_dims]
    """

    def __init__(self, action_layer, mean_layer, L_layer, **kwargs):
        layers = (("action_layer", action_layer, 2, "[batch, action_dims]"),
                  ("mean_layer", mean_layer, 2, "[batch, action_dims]"),
                  ("L_layer", L_layer, 3, "[batch, action_dims, action_dims]"))
        for argument, layer, ndim, layout in layers:
            require_layer_ndim(layer, ndim, argument, layout)
        super(NAFLayer, self).__init__([action_layer, mean_layer, L_layer], **kwargs)

    def get_output_shape_for(self, input_shapes):
        """Output shape: one advantage per row.

        Parameters
        ----------
        input_shapes : list of tuples
            The shapes of the action, mean and L layers.

        Returns
        -------
        tuple (batch, 1)
        """
        return (input_shapes[0][0], 1)

    def get_output_for(self, inputs, **kwargs):
        r"""The advantage of each action.

        Parameters
        ----------
        inputs : list of tensors
            :math:`u` and :math:`\mu` ``[batch, action_dims]``, then :math:`L`
            ``[batch, action_dims, action_dims]``.
        **kwargs
            Ignored (Lasagne's ``get_output`` flags).

        Returns
        -------
        tensor [batch, 1]
            :math:`-\frac{1}{2} \lVert L^\top (u - \mu) \rVert^2
            = -\frac{1}{2}(u - \mu)^\top L L^\top (u - \mu)`.
        """
        actions, means, lower = inputs
        # (u - mu)^T L L^T (u - mu) = |L^T (u - mu)|^2
        projected = T.batched_dot(lower.dimshuffle(0, 2, 1), actions - means)
        return -0.5 * T.sum(projected ** 2, axis=1, keepdims=True)


def _require_shape(layer, expected, argument):
    shape = tuple(layer.output_shape)
    if len(shape) != len(expected) or shape[1:] != tuple(expected[1:]):
        raise ValueError("`%s` must have shape %s, got %s"
                         % (argument, shape_str(expected), shape_str(layer.output_shape)))


def _check_exploration(exploration):
    """An ``InputLayer`` (added to the means, or used as the actions), a symbolic noise sigma,
    or a number >= 0 (the sigma of Gaussian noise)."""
    if isinstance(exploration, InputLayer) or isinstance(exploration, theano.Variable):
        return exploration
    if isinstance(exploration, Layer):
        raise TypeError("`exploration` must be a noise sigma >= 0 or an InputLayer, got a %s"
                        % type(exploration).__name__)
    return require_real(exploration, "exploration", low=0)


def _check_action_bounds(action_low, action_high, action_dimensions):
    """Numeric bounds (numbers or ``[action_dimensions]`` arrays, infinities allowed) with
    ``action_low < action_high``; symbolic bounds pass unchecked."""
    bounds = {"action_low": action_low, "action_high": action_high}
    if any(isinstance(b, theano.Variable) for b in bounds.values()):
        return
    for argument, bound in bounds.items():
        array = np.asarray(bound) if not isinstance(bound, str) else np.asarray(None)
        if array.dtype.kind not in "iuf" or array.ndim > 1 or np.isnan(array).any():
            raise TypeError("`%s` must be a number or a [%i] array (infinities allowed), got %r"
                            % (argument, action_dimensions, bound))
        if array.ndim == 1 and array.shape not in ((1,), (action_dimensions,)):
            raise ValueError("`%s` must have shape (%i,) (action_dimensions), got %s"
                             % (argument, action_dimensions, shape_str(array.shape)))
    if np.any(np.asarray(action_low) >= np.asarray(action_high)):
        raise ValueError("`action_low` must be below `action_high`, got %r and %r"
                         % (action_low, action_high))


def _check_controller_layers(input_layer, mean_layer, V_layer, L_layer):
    layers = dict(input_layer=input_layer, mean_layer=mean_layer, V_layer=V_layer,
                  L_layer=L_layer)
    for argument, layer in layers.items():
        if layer is not None:
            require_layer(layer, argument)
    if input_layer is None and None in (mean_layer, V_layer, L_layer):
        raise ValueError("`input_layer` is required unless mean_layer, V_layer and L_layer "
                         "are all given")


def _exploration_actions(mean_clipped, exploration, additive_exploration):
    if not isinstance(exploration, InputLayer):
        if not additive_exploration:
            raise ValueError("a numeric `exploration` (noise sigma) needs "
                             "additive_exploration=True")
        return GaussianNoiseLayer(mean_clipped, sigma=exploration)
    if additive_exploration:
        return ElemwiseSumLayer([mean_clipped, exploration])
    return exploration


def build_NAF_controller(input_layer=None, action_dimensions=1, exploration=1e-2,
                         additive_exploration=True, mean_layer=None, V_layer=None, L_layer=None,
                         action_low=-np.inf, action_high=np.inf):
    """Build the NAF heads on ``input_layer``.

    Parameters
    ----------
    input_layer : layer [batch, units] or None
        Required unless ``mean_layer``, ``V_layer`` and ``L_layer`` are all given.
    action_dimensions : int >= 1
    exploration : float >= 0, symbolic scalar or InputLayer
        A noise sigma (Gaussian noise added to the clipped means), or an
        ``InputLayer`` added to them (``additive_exploration``) or used as the
        actions.
    additive_exploration : bool
    mean_layer, V_layer, L_layer : layers or None
        ``[batch, action_dims]``, ``[batch, 1]``, ``[batch, action_dims, action_dims]``.
    action_low, action_high : float or [action_dims] array
        Clipping bounds of the means, ``action_low < action_high``.

    Returns
    -------
    OrderedDict
        ``'means'`` [batch, action_dims], ``'actions'`` (means clipped to
        ``[action_low, action_high]`` plus exploration), ``'action_qvalues'``
        [batch, 1], ``'state_value'`` [batch, 1], ``'advantage'`` [batch, 1].

    Raises
    ------
    TypeError
        For a non-layer where a layer belongs, a non-integer
        ``action_dimensions``, a non-numeric bound or sigma.
    ValueError
        For missing layers, wrong shapes, ``action_low >= action_high`` or a
        negative sigma.
    """
    _check_controller_layers(input_layer, mean_layer, V_layer, L_layer)
    action_dimensions = require_int(action_dimensions, "action_dimensions", 1)
    exploration = _check_exploration(exploration)
    require_bool(additive_exploration, "additive_exploration")
    _check_action_bounds(action_low, action_high, action_dimensions)
    means = mean_layer or DenseLayer(input_layer, action_dimensions, nonlinearity=None,
                                     name="qnaf.weights")
    _require_shape(means, (None, action_dimensions), "mean_layer")
    mean_clipped = NonlinearityLayer(means, lambda x: T.clip(x, action_low, action_high))
    actions = _exploration_actions(mean_clipped, exploration, additive_exploration)
    _require_shape(actions, means.output_shape, "exploration")
    state_value = V_layer or DenseLayer(input_layer, 1, name="qnaf.state_value")
    _require_shape(state_value, (None, 1), "V_layer")
    lower = L_layer or LowerTriangularLayer(input_layer, matrix_diag=action_dimensions,
                                            name="qnaf.L")
    _require_shape(lower, (None, action_dimensions, action_dimensions), "L_layer")
    advantage = NAFLayer(actions, means, lower, name="qnaf.advantage")
    action_qvalues = ElemwiseSumLayer([state_value, advantage])
    return OrderedDict([("means", means), ("actions", actions),
                        ("action_qvalues", action_qvalues), ("state_value", state_value),
                        ("advantage", advantage)])
