"""A matrix product read twice is computed once in FAST_RUN (agentnet_compat.shared_products)."""
import lasagne
import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.tensor.blas import Dot22, Dot22Scalar, Gemm

FLOAT = theano.config.floatX


def products(function):
    """The matrix-product nodes of a compiled function."""
    return [node for node in function.maker.fgraph.toposort()
            if isinstance(node.op, (Dot22, Dot22Scalar, Gemm))]


@pytest.fixture(scope="module")
def matrices():
    rng = np.random.RandomState(0)
    return rng.randn(5, 3).astype(FLOAT), rng.randn(3, 4).astype(FLOAT)


def test_a_product_read_twice_and_scaled_once_is_computed_once(matrices):
    x, y = T.matrix("x"), T.matrix("y")
    product = T.dot(x, y)
    function = theano.function([x, y], [product ** 2, 0.1 * product], mode="FAST_RUN")
    assert len(products(function)) == 1
    squared, scaled = function(*matrices)
    expected = matrices[0].astype(np.float64) @ matrices[1]
    np.testing.assert_allclose(squared, expected ** 2, rtol=1e-5)
    np.testing.assert_allclose(scaled, 0.1 * expected, rtol=1e-5)


def test_a_product_read_once_still_takes_the_scale_inside_the_gemm(matrices):
    x, y = T.matrix("x"), T.matrix("y")
    function = theano.function([x, y], 0.1 * T.dot(x, y), mode="FAST_RUN")
    assert [type(node.op) for node in function.maker.fgraph.toposort()] == [Dot22Scalar]
    expected = 0.1 * (matrices[0].astype(np.float64) @ matrices[1])
    np.testing.assert_allclose(function(*matrices), expected, rtol=1e-5)


def test_adam_computes_each_weight_gradient_once_and_updates_as_numpy(matrices):
    """A linear layer trained by Adam: one forward product, one gradient product, one update."""
    inputs, targets = matrices[0], np.ones((5, 4), dtype=FLOAT)
    weights = theano.shared(matrices[1], name="W")
    x, t = T.matrix("x"), T.matrix("t")
    loss = T.sum((T.dot(x, weights) - t) ** 2)
    step = theano.function([x, t], loss, mode="FAST_RUN",
                           updates=lasagne.updates.adam(loss, [weights], learning_rate=0.01))
    assert len(products(step)) == 2
    step(inputs, targets)

    w = matrices[1].astype(np.float64)
    gradient = 2 * inputs.T.astype(np.float64) @ (inputs @ w - targets)
    first, second = 0.1 * gradient, 0.001 * gradient ** 2   # after one step from zero moments
    rate = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = w - rate * first / (np.sqrt(second) + 1e-8)
    np.testing.assert_allclose(weights.get_value(), expected, rtol=1e-4, atol=1e-6)
