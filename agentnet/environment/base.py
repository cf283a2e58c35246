"""Environments defined symbolically in Theano, and their one-tick Lasagne layer."""
from collections import OrderedDict

import theano
from lasagne.layers import InputLayer

from ..utils.format import check_list, check_tuple
from ..utils.layers.dict import DictLayer
from ..utils._validation import require_dtype, require_int, require_layer

__all__ = ["BaseEnvironment", "EnvironmentStepLayer"]


def _as_shape(shape):
    """An int ``n`` is the 1-D shape ``(n,)``; a shape stays a tuple."""
    return tuple(check_tuple(shape))


def _checked_shapes(shapes, argument):
    """A collection of shapes whose sizes are ints >= 1 or None (unknown)."""
    shapes = check_tuple(shapes)
    for shape in shapes:
        for size in _as_shape(shape):
            if size is not None:
                require_int(size, argument, meaning=" (sizes of each shape) or None")
    return shapes


def _checked_dtypes(dtypes, shapes, argument, default):
    """One valid dtype (or Theano's ``"floatX"``) per shape; ``default`` for each when None."""
    dtypes = check_tuple(dtypes or [default] * len(shapes))
    if len(dtypes) != len(shapes):
        raise ValueError("`%s` must have one dtype per shape (%i), got %i"
                         % (argument, len(shapes), len(dtypes)))
    for dtype in dtypes:
        if dtype != "floatX":  # Theano's own name for config.floatX
            require_dtype(dtype, argument)
    return dtypes


class BaseEnvironment(object):
    """An MDP written in Theano: previous states and actions in, new states and observations out.

    Parameters
    ----------
    state_shapes, observation_shapes, action_shapes : shape or collection of shapes
        Without the batch axis. Each argument is a *collection* of shapes
        (``check_tuple``): ``(8,)`` is one shape ``(8,)``, ``(3, 4)`` two 1-D
        shapes, ``[(3, 4)]`` one 2-D shape and ``[()]`` one scalar shape.
        Sizes are ints >= 1 (None where unknown).
    state_dtypes, observation_dtypes : list of str or None
        One numpy dtype name per shape; default floatX for each.
    action_dtypes : list of str or None
        One per action shape; default int32 for each.

    Raises
    ------
    TypeError, ValueError
        For a size that is not an int >= 1 or None, an unknown dtype, or a
        dtype list whose length differs from its shapes'.
    """

    def __init__(self, state_shapes, observation_shapes, action_shapes, state_dtypes=None,
                 observation_dtypes=None, action_dtypes=None):
        floatX = theano.config.floatX
        self.state_shapes = _checked_shapes(state_shapes, "state_shapes")
        self.observation_shapes = _checked_shapes(observation_shapes, "observation_shapes")
        self.action_shapes = _checked_shapes(action_shapes, "action_shapes")
        self.state_dtypes = _checked_dtypes(state_dtypes, self.state_shapes, "state_dtypes",
                                            floatX)
        self.observation_dtypes = _checked_dtypes(observation_dtypes, self.observation_shapes,
                                                  "observation_dtypes", floatX)
        self.action_dtypes = _checked_dtypes(action_dtypes, self.action_shapes, "action_dtypes",
                                             "int32")

    def get_action_results(self, last_states, actions, **kwargs):
        """One tick: returns ``(new_states, observations)``, tensors or lists in shape order.

        Parameters
        ----------
        last_states : list of tensors [batch, state_shape...]
        actions : list of tensors [batch, action_shape...]
        **kwargs
            Lasagne's ``get_output`` flags.
        """
        raise NotImplementedError("%s must implement get_action_results" % type(self).__name__)

    def as_layers(self, prev_state_layers=None, action_layers=None,
                  environment_layer_name="EnvironmentLayer"):
        """One tick as Lasagne layers.

        Parameters
        ----------
        prev_state_layers, action_layers : lists of layers or None
            See :class:`EnvironmentStepLayer`.
        environment_layer_name : str

        Returns
        -------
        new_state_layers, observation_layers : lists of layers
        """
        step = EnvironmentStepLayer(self, prev_state_layers, action_layers,
                                    name=environment_layer_name)
        outputs = list(step.values())
        return outputs[:len(self.state_shapes)], outputs[len(self.state_shapes):]


def _checked_layers(layers, argument):
    """``layers`` as a list, each a Lasagne layer."""
    layers = check_list(layers)
    for layer in layers:
        require_layer(layer, argument)
    return layers


class EnvironmentStepLayer(DictLayer):
    """:meth:`BaseEnvironment.get_action_results` as a multi-output Lasagne layer.

    Outputs ``"environment_new_state.<i>"`` for each state, then
    ``"new_observations.<i>"`` for each observation.

    Parameters
    ----------
    environment : BaseEnvironment
    prev_state_layers, action_layers : lists of layers or None
        None creates InputLayers of the environment's shapes; one previous
        state layer per state shape.
    name : str or None
        Default ``"<environment class>.OneStep"``.

    Raises
    ------
    TypeError
        For an ``environment`` without ``state_shapes`` or a non-layer in
        ``prev_state_layers`` / ``action_layers``.
    ValueError
        When the count of previous state layers differs from the count of
        the environment's states.
    """

    def __init__(self, environment, prev_state_layers=None, action_layers=None, name=None):
        if not hasattr(environment, "state_shapes"):
            raise TypeError("`environment` must be a BaseEnvironment, got %s"
                            % type(environment).__name__)
        name = name or "%s.OneStep" % type(environment).__name__
        if prev_state_layers is None:
            prev_state_layers = [InputLayer((None,) + _as_shape(s), name="%s.prev_state[%i]"
                                            % (name, i))
                                 for i, s in enumerate(environment.state_shapes)]
        if action_layers is None:
            action_layers = [InputLayer((None,) + _as_shape(s), name="%s.agent_action_input[%i]"
                                        % (name, i))
                             for i, s in enumerate(environment.action_shapes)]
        self.env = environment
        self.prev_state_layers = _checked_layers(prev_state_layers, "prev_state_layers")
        self.action_layers = _checked_layers(action_layers, "action_layers")
        if len(self.prev_state_layers) != len(environment.state_shapes):
            raise ValueError("`prev_state_layers` must have one layer per state of %s (%i), got %i"
                             % (type(environment).__name__, len(environment.state_shapes),
                                len(self.prev_state_layers)))
        shapes = OrderedDict()
        for i, shape in enumerate(environment.state_shapes):
            shapes["environment_new_state.%i" % i] = (None,) + _as_shape(shape)
        for i, shape in enumerate(environment.observation_shapes):
            shapes["new_observations.%i" % i] = (None,) + _as_shape(shape)
        dtypes = list(environment.state_dtypes) + list(environment.observation_dtypes)
        super(EnvironmentStepLayer, self).__init__(self.prev_state_layers + self.action_layers,
                                                   shapes, dtypes, name=name)

    def get_output_for(self, inputs, **kwargs):
        """One tick of the environment on the values of the incoming layers.

        Parameters
        ----------
        inputs : list of tensors
            The previous states ``[batch, state_shape...]`` in state order,
            then the actions ``[batch, action_shape...]``.
        **kwargs
            Passed to :meth:`BaseEnvironment.get_action_results`.

        Returns
        -------
        outputs : OrderedDict {output key: tensor}
            ``"environment_new_state.<i>"`` ``[batch, state_shape_i...]`` for
            each state, then ``"new_observations.<i>"``
            ``[batch, observation_shape_i...]`` for each observation.
        """
        n_states = len(self.prev_state_layers)
        new_states, observations = self.env.get_action_results(inputs[:n_states],
                                                               inputs[n_states:], **kwargs)
        values = check_list(new_states) + check_list(observations)
        return OrderedDict(zip(self.output_keys, values))
