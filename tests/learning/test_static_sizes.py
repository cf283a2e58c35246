"""Sizes known while building the graph: declared by a reshape or specify_shape, traced forward."""
import numpy as np
import pytest
import theano.tensor as T

from agentnet.learning._arguments import static_size
from agentnet.utils._runtime_check import runtime_check


def reshaped(n_ticks=5):
    """[batch, 5, 2] rows reshaped from a matrix, its batch size symbolic."""
    rows = T.matrix("rows")
    return T.unbroadcast(rows.reshape((rows.shape[0] // n_ticks, n_ticks, 2), ndim=3), 0, 1, 2)


def test_a_reshape_to_constant_sizes_declares_them_and_leaves_symbolic_ones_unknown():
    q = reshaped()
    assert [static_size(q, axis) for axis in range(3)] == [None, 5, 2]


def test_sizes_are_traced_through_operations_that_carry_them_over():
    q = reshaped()
    actions = T.imatrix("actions")
    chosen = T.switch(T.eq(T.cumsum(T.ones_like(q), axis=2), actions[:, :, None]), q, 0).sum(2)
    assert static_size(chosen, 1) == 5 and static_size(chosen, 0) is None
    assert static_size(T.cast(chosen, "float64").dimshuffle(1, 0), 0) == 5
    assert static_size(q.max(axis=0), 1) == 2
    assert static_size(q.max(axis=-1) * T.matrix(), 1) == 5
    checked = runtime_check(q, lambda: "never", holds=T.constant(True))
    assert static_size(checked, 1) == 5


@pytest.mark.parametrize("shape", [(-1, 5, 2), (3, T.iscalar(), 2)], ids=["minus-one", "symbolic"])
def test_a_reshape_to_unknown_or_inferred_sizes_declares_nothing(shape):
    rows = T.matrix("rows")
    q = rows.reshape(shape, ndim=3)
    assert static_size(q, 0 if shape[0] == -1 else 1) is None


def test_arrays_constants_and_broadcastable_axes_keep_their_sizes():
    assert static_size(np.zeros((2, 7)), 1) == 7
    assert static_size(T.constant(np.zeros((2, 7))), 1) == 7
    assert static_size(T.row(), 0) == 1
    assert static_size(T.matrix(), 1) is None


def test_a_declared_size_is_found_under_many_levels_of_shared_subexpressions():
    """Each (variable, axis) is visited once: 2^40 paths lead down to the reshape here."""
    rows = T.vector("rows")
    y = rows.reshape((rows.shape[0] // 5, 5), ndim=2)
    for _ in range(40):
        y = (y * y + y) * (y - 1)
    assert static_size(y, 1) == 5 and static_size(y, 0) is None
