"""A differentiable stack memory (Joulin & Mikolov 2015, arXiv:1503.01007)."""
import theano.tensor as T
from lasagne.layers import MergeLayer

from ..utils._validation import require_layer, shape_str

__all__ = ["StackAugmentation"]


class StackAugmentation(MergeLayer):
    r"""A stack whose push, pop and no-op are mixed by soft controls.

    With the stack :math:`S` ``[batch, depth, width]`` (top at index 0), the
    new item :math:`x` and controls :math:`(p_{push}, p_{pop}, p_{noop})`:

    .. math::
        S' = p_{push} [x; S_{0..d-2}] + p_{pop} [S_{1..d-1}; 0] + p_{noop} S

    Parameters
    ----------
    observation_input : layer [batch, width]
        The value a push puts on top.
    prev_state_input : layer [batch, depth, width]
        The previous stack; register the pair as an agent state.
    controls_layer : layer [batch, 3]
        Probabilities of push, pop and no-op (e.g. a softmax).

    References
    ----------
    Joulin & Mikolov (2015), Inferring algorithmic patterns with stack-augmented
    recurrent nets.
    """

    def __init__(self, observation_input, prev_state_input, controls_layer, **kwargs):
        kwargs.setdefault("name", "YetAnotherStackAugmentation")
        for argument, layer in (("observation_input", observation_input),
                                ("prev_state_input", prev_state_input),
                                ("controls_layer", controls_layer)):
            require_layer(layer, argument)
        _check_shapes(observation_input.output_shape, prev_state_input.output_shape,
                      controls_layer.output_shape)
        super(StackAugmentation, self).__init__(
            [observation_input, prev_state_input, controls_layer], **kwargs)

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        new_item, stack, controls = inputs
        pushed = T.concatenate([T.shape_padaxis(new_item, 1), stack[:, :-1]], axis=1)
        popped = T.concatenate([stack[:, 1:], T.zeros_like(stack[:, :1])], axis=1)
        push, pop, noop = [controls[:, i].dimshuffle(0, "x", "x") for i in range(3)]
        return push * pushed + pop * popped + noop * stack


def _check_shapes(item_shape, stack_shape, controls_shape):
    if len(item_shape) != 2:
        raise ValueError("`observation_input` must have ndim 2 [batch, width], got shape %s"
                         % shape_str(item_shape))
    if len(stack_shape) != 3 or stack_shape[2] != item_shape[1]:
        raise ValueError("`prev_state_input` must have shape [batch, depth, %s], got %s"
                         % (item_shape[1], shape_str(stack_shape)))
    if stack_shape[1] is not None and stack_shape[1] < 1:
        raise ValueError("the stack depth (axis 1 of `prev_state_input`) must be >= 1, got %i"
                         % stack_shape[1])
    if len(controls_shape) != 2 or controls_shape[1] != 3:
        raise ValueError("`controls_layer` must have shape [batch, 3] (push, pop, no-op), got %s"
                         % shape_str(controls_shape))
