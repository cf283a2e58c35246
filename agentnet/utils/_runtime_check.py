"""Argument checks that can only run when a compiled function is called.

Theano 1.0 tensors carry no static sizes, so "``actions`` has the batch size
of ``qvalues``" or "the pool holds at least ``n`` sessions" is known only at
run time. :func:`runtime_check` gates a tensor on such a condition and raises
a ``ValueError`` whose message shows the offending sizes (Theano's own
``Assert`` raises ``AssertionError`` with a fixed text).
"""
import numpy as np
import theano
import theano.tensor as T
from theano.gradient import DisconnectedType

__all__ = ["RuntimeCheck", "runtime_check"]


class RuntimeCheck(theano.Op):
    """Identity on its first input; raises ``ValueError`` when ``find_error`` says so.

    Parameters
    ----------
    find_error : callable(*values) -> str or None
        Called at run time with the other inputs as Python scalars; returns
        the error message, or None when they are fine. It must be hashable
        and compare equal to an equivalent check (a module-level function,
        or a namedtuple with ``__call__``) so that Theano can merge nodes.
    """
    __props__ = ("find_error",)
    view_map = {0: [0]}

    def __init__(self, find_error):
        self.find_error = find_error

    def make_node(self, x, *values):
        x = T.as_tensor_variable(x)
        values = [T.as_tensor_variable(v) for v in values]
        if any(v.ndim != 0 for v in values):
            raise ValueError("RuntimeCheck takes scalar values to check")
        return theano.Apply(self, [x] + values, [x.type()])

    def perform(self, node, inputs, outputs):
        message = self.find_error(*[np.asarray(v).item() for v in inputs[1:]])
        if message is not None:
            raise ValueError(message)
        outputs[0][0] = inputs[0]

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_gradients):
        return list(output_gradients) + [DisconnectedType()() for _ in inputs[1:]]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)


def runtime_check(x, find_error, *values):
    """``x``, gated so that computing anything from it first runs ``find_error(*values)``.

    Examples
    --------
    >>> import theano, theano.tensor as T
    >>> def too_long(n):
    ...     return "at most 3 ticks, got %i" % n if n > 3 else None
    >>> x = T.ivector("x")
    >>> f = theano.function([x], runtime_check(x, too_long, x.shape[0]) * 2,
    ...                     allow_input_downcast=True)
    >>> f([1, 2]).tolist()
    [2, 4]
    """
    return RuntimeCheck(find_error)(x, *values)
