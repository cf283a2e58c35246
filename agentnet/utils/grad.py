"""Gradient manipulation: stop-gradient, scaling and reversal."""
import theano
import theano.tensor as T

__all__ = ["consider_constant", "MultiplyGradient", "reverse_gradient"]

#: Stop-gradient used by every learning objective for its reference values.
consider_constant = theano.gradient.disconnected_grad


class MultiplyGradient(theano.Op):
    """Identity in the forward pass; multiplies the gradient by ``hp_lambda``.

    Parameters
    ----------
    hp_lambda : float
        Gradient multiplier; ``-1`` reverses the gradient (domain-adversarial
        training, Ganin & Lempitsky 2015).
    """

    __props__ = ("hp_lambda",)
    view_map = {0: [0]}

    def __init__(self, hp_lambda=1):
        super(MultiplyGradient, self).__init__()
        self.hp_lambda = hp_lambda

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return theano.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def grad(self, inputs, output_gradients):
        """The incoming gradient times ``hp_lambda``."""
        return [self.hp_lambda * output_gradients[0]]

    def infer_shape(self, node, input_shapes):
        """Same shape as the input."""
        return input_shapes


#: Gradient reversal: identity forward, negated gradient backward.
reverse_gradient = MultiplyGradient(-1)
