"""Argument checks that can only run when a compiled function is called.

Theano 1.0 tensors carry no static sizes, so "``actions`` has the batch size
of ``qvalues``" or "the pool holds at least ``n`` sessions" is known only at
run time. :func:`runtime_check` gates a tensor on such a condition and raises
a ``ValueError`` whose message shows the offending sizes (Theano's own
``Assert`` raises ``AssertionError`` with a fixed text).

Theano re-raises an error from a compiled function with a dump of the failing
node appended to its message; a :class:`RuntimeCheckError` keeps its own
message whole and sets that dump apart (``theano_details``), so the user reads
one ``ValueError`` naming the argument and its sizes.

A check costs next to nothing when it is given its condition as a symbolic
boolean (``holds``): Theano computes the condition in compiled code, fused with
the other scalar arithmetic, and the gate itself only reads one flag; the
Python message is built only when the check fails. Conditions that Theano's
optimizer proves true while compiling (``eq(n, n)`` once shapes are merged)
remove the gate from the graph altogether, and a gate that fixes the leading
sizes of its tensor (``n_sizes``) hands those sizes on to shape inference, so
that a later check of tensors computed from it is proven too.
"""
import numpy as np
import theano
import theano.tensor as T
from theano import gof
from theano.gradient import DisconnectedType
from theano.tensor.opt import register_canonicalize, register_specialize

__all__ = ["RuntimeCheckError", "RuntimeCheck", "runtime_check"]

#: The line Theano's ``raise_with_op`` puts before its dump of the failing node.
_THEANO_DETAILS = "\nApply node that caused the error"


class RuntimeCheckError(ValueError):
    """A bad argument found when a compiled function runs.

    Theano rebuilds an exception raised inside a compiled function as
    ``type(error)(message + node dump)`` and re-raises it while handling the
    original. This class cuts the dump off into :attr:`theano_details` and
    hides the chained original, so the traceback shows one error whose message
    is exactly the check's.

    Parameters
    ----------
    message : str

    Attributes
    ----------
    theano_details : str
        What Theano appended (failing node, input shapes, hints); empty when
        raised outside Theano.
    """

    def __init__(self, message):
        message, marker, details = str(message).partition(_THEANO_DETAILS)
        super(RuntimeCheckError, self).__init__(message)
        self.theano_details = marker + details
        # Theano re-raises a copy of the error while handling the original
        self.__suppress_context__ = True


class RuntimeCheck(theano.Op):
    """Identity on its first input, gated by the flag ``holds`` (second input).

    When ``holds`` is false, ``find_error`` is called with the other inputs
    as Python scalars (after ``x`` itself if ``with_input``); a message it
    returns is raised as :class:`RuntimeCheckError`, a ``ValueError``.

    Parameters
    ----------
    find_error : callable(*values) -> str or None
        Builds the message. It must be hashable and compare equal to an
        equivalent check (a module-level function, or a namedtuple with
        ``__call__``) so that Theano can merge nodes.
    n_sizes : int
        Once the check passes, ``x.shape[:n_sizes] == values[:n_sizes]``;
        shape inference then uses these values for the output.
    with_input : bool
        Also give ``find_error`` the value of ``x`` (a numpy array), first:
        a message can then name the offending entry. It is read only when the
        check fails.
    """
    __props__ = ("find_error", "n_sizes", "with_input")
    view_map = {0: [0]}

    def __init__(self, find_error, n_sizes=0, with_input=False):
        self.find_error = find_error
        self.n_sizes = n_sizes
        self.with_input = with_input

    def make_node(self, x, holds, *values):
        x, holds = T.as_tensor_variable(x), T.as_tensor_variable(holds)
        values = [T.as_tensor_variable(v) for v in values]
        if holds.ndim != 0 or any(v.ndim != 0 for v in values):
            raise ValueError("RuntimeCheck takes a scalar condition and scalar values to check")
        if self.n_sizes > min(x.ndim, len(values)):
            raise ValueError("RuntimeCheck: n_sizes=%i exceeds ndim %i or the %i values"
                             % (self.n_sizes, x.ndim, len(values)))
        return theano.Apply(self, [x, holds] + values, [x.type()])

    def _raise_if_failing(self, x, values):
        values = [np.asarray(v).item() for v in values]
        message = self.find_error(*([np.asarray(x)] if self.with_input else []) + values)
        if message is not None:
            raise RuntimeCheckError(message)

    def perform(self, node, inputs, outputs):
        if not inputs[1]:
            self._raise_if_failing(inputs[0], inputs[2:])
        outputs[0][0] = inputs[0]

    def make_thunk(self, node, storage_map, compute_map, no_recycling, impl=None):
        """A thunk that reads one flag and passes a reference on: about a microsecond a call.

        Theano's generic Python thunk would unpack every input on each call;
        the values are only read when the check fails.
        """
        x, holds = storage_map[node.inputs[0]], storage_map[node.inputs[1]]
        values = [storage_map[v] for v in node.inputs[2:]]
        output, computed = storage_map[node.outputs[0]], compute_map[node.outputs[0]]

        def thunk():
            if not holds[0]:
                self._raise_if_failing(x[0], [v[0] for v in values])
            output[0] = x[0]
            computed[0] = True

        thunk.inputs = [storage_map[v] for v in node.inputs]
        thunk.outputs = [output]
        thunk.lazy = False
        return thunk

    def infer_shape(self, node, input_shapes):
        sizes = node.inputs[2:2 + self.n_sizes]
        return [tuple(sizes) + tuple(input_shapes[0][self.n_sizes:])]

    def grad(self, inputs, output_gradients):
        return list(output_gradients) + [DisconnectedType()() for _ in inputs[1:]]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)


def _proven(condition):
    """Whether ``condition`` is a constant true after optimisation."""
    try:
        return bool(T.get_scalar_constant_value(condition))
    except T.NotScalarConstantError:
        return False


@register_canonicalize("fast_compile")
@register_specialize
@gof.local_optimizer([RuntimeCheck])
def remove_proven_runtime_check(node):
    """Replace a check whose condition the optimizer proved true by its input."""
    if isinstance(node.op, RuntimeCheck) and _proven(node.inputs[1]):
        return [node.inputs[0]]
    return False


def runtime_check(x, find_error, *values, holds=None, n_sizes=0, with_input=False):
    """``x``, gated so that computing anything from it first checks ``holds``.

    Parameters
    ----------
    x : tensor
    find_error : callable(*values) -> str or None
        Called with ``values`` as Python scalars when ``holds`` is false at
        run time; a returned message is raised as :class:`RuntimeCheckError`
        (a ``ValueError``).
    *values : scalar tensors
    holds : scalar tensor or None
        The condition, computed in the graph. ``None`` asks ``find_error``
        at every call (slower: a Python call per run).
    n_sizes : int
        ``values[:n_sizes]`` are ``x``'s leading sizes once the check passed.
    with_input : bool
        Call ``find_error(x_value, *values)``, ``x_value`` a numpy array.

    Examples
    --------
    >>> import theano, theano.tensor as T
    >>> def too_long(n):
    ...     return "at most 3 ticks, got %i" % n if n > 3 else None
    >>> x = T.ivector("x")
    >>> n = x.shape[0]
    >>> f = theano.function([x], runtime_check(x, too_long, n, holds=T.le(n, 3)) * 2,
    ...                     allow_input_downcast=True)
    >>> f([1, 2]).tolist()
    [2, 4]
    """
    holds = np.int8(0) if holds is None else holds
    return RuntimeCheck(find_error, n_sizes, with_input)(x, holds, *values)
