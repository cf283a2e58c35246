"""Dense products in FAST_RUN: gemv for one row, blocks over threads (dense_products)."""
import ctypes
import ctypes.util

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet_compat.dense_products import MIN_SPLIT_WORK, DenseDot22


def compiled_product(dtype, weights_order="C"):
    """``x -> x @ W`` in FAST_RUN for a fixed 7 x 5 ``W``, and ``W`` in float64."""
    weights = np.random.RandomState(1).randn(7, 5)
    shared = theano.shared(np.asarray(weights, dtype=dtype, order=weights_order), name="W")
    x = T.matrix("x", dtype=dtype)
    return theano.function([x], T.dot(x, shared), mode="FAST_RUN"), weights


@pytest.fixture(scope="module", params=["float32", "float64"])
def product(request):
    function, weights = compiled_product(request.param)
    return function, weights, request.param


def split_tolerance(dtype):
    """Absolute and relative tolerance of a blocked product against float64 numpy."""
    return 1e-4 if dtype == "float32" else 1e-12


def rows(n, dtype):
    return np.random.RandomState(n).randn(n, 7).astype(dtype)


def test_dense_products_compile_to_the_agentnet_op(product):
    function, _, _ = product
    assert [type(node.op) for node in function.maker.fgraph.toposort()] == [DenseDot22]


@pytest.mark.parametrize("n_rows", [0, 1, 2, 3])
def test_any_number_of_rows_gives_the_numpy_product(product, n_rows):
    function, weights, dtype = product
    x = rows(n_rows, dtype)
    result = function(x)
    assert result.shape == (n_rows, 5) and result.dtype == dtype
    np.testing.assert_allclose(result, x.astype(np.float64) @ weights, rtol=1e-5, atol=1e-6)


def test_a_nan_in_one_call_does_not_leak_into_the_next(product):
    """The output buffer is reused between calls; the BLAS must not read what it held."""
    function, weights, dtype = product
    poisoned = rows(1, dtype)
    poisoned[0, 2] = np.nan
    assert np.isnan(function(poisoned)).all()
    clean = rows(1, dtype)
    np.testing.assert_allclose(function(clean), clean.astype(np.float64) @ weights, rtol=1e-5)


def test_fortran_ordered_weights_and_a_strided_row():
    function, weights = compiled_product("float64", weights_order="F")
    wide = T.dmatrix("wide")
    shared = theano.shared(np.asfortranarray(weights))
    strided = theano.function([wide], T.dot(wide[:, ::2], shared), mode="FAST_RUN")
    x = np.random.RandomState(3).randn(1, 14)
    np.testing.assert_allclose(strided(x), x[:, ::2] @ weights, rtol=1e-12)
    np.testing.assert_allclose(function(x[:, :7]), x[:, :7] @ weights, rtol=1e-12)


def test_the_input_gradient_of_one_row_goes_through_the_transposed_weights():
    """d(sum(tanh(x W) * c))/dx = ((1 - tanh(x W)**2) * c) W^T for a single row x."""
    rng = np.random.RandomState(4)
    weights, scale = rng.randn(7, 5), rng.randn(1, 5)
    x = T.dmatrix("x")
    loss = T.sum(T.tanh(T.dot(x, theano.shared(weights))) * scale)
    gradient = theano.function([x], T.grad(loss, x), mode="FAST_RUN")
    assert any(isinstance(node.op, DenseDot22) for node in gradient.maker.fgraph.toposort())
    row = rng.randn(1, 7)
    expected = ((1 - np.tanh(row @ weights) ** 2) * scale) @ weights.T
    np.testing.assert_allclose(gradient(row), expected, rtol=1e-10)


def test_an_empty_inner_dimension_gives_zeros():
    x, weights = T.matrix("x"), theano.shared(np.zeros((0, 3), dtype=theano.config.floatX))
    function = theano.function([x], T.dot(x, weights), mode="FAST_RUN")
    result = function(np.zeros((2, 0), dtype=theano.config.floatX))
    np.testing.assert_array_equal(result, np.zeros((2, 3)))


@pytest.fixture
def three_openmp_threads():
    """This thread's OpenMP team size set to 3 (blocks of unequal size), then restored."""
    gomp = ctypes.CDLL(ctypes.util.find_library("gomp") or "libgomp.so.1")
    before = gomp.omp_get_max_threads()
    gomp.omp_set_num_threads(3)
    yield
    gomp.omp_set_num_threads(before)


@pytest.fixture(scope="module", params=["float32", "float64"])
def split_product(request):
    x, y = T.matrix("x", dtype=request.param), T.matrix("y", dtype=request.param)
    return theano.function([x, y], DenseDot22(split_over_threads=True)(x, y),
                           mode="FAST_RUN"), request.param


# (rows, inner, cols): split by rows, by columns, fewer rows than threads, below the threshold.
SHAPES = [(160, 80, 100), (20, 90, 700), (2, 1000, 600), (9, 11, 13)]


@pytest.mark.parametrize("orders", ["CC", "CF", "FC", "FF"])
@pytest.mark.parametrize("shape", SHAPES)
def test_blocks_over_threads_give_the_numpy_product(split_product, three_openmp_threads, shape,
                                                    orders):
    function, dtype = split_product
    n_rows, inner, n_cols = shape
    rng = np.random.RandomState(sum(shape))
    x = np.asarray(rng.randn(n_rows, inner), dtype=dtype, order=orders[0])
    y = np.asarray(rng.randn(inner, n_cols), dtype=dtype, order=orders[1])
    tolerance = split_tolerance(dtype)
    result = function(x, y)
    assert result.shape == (n_rows, n_cols) and result.dtype == dtype
    np.testing.assert_allclose(result, x.astype(np.float64) @ y, rtol=tolerance, atol=tolerance)


def test_the_shapes_above_cover_both_sides_of_the_split_threshold():
    work = [np.prod(shape) for shape in SHAPES]
    assert min(work) < MIN_SPLIT_WORK <= sorted(work)[1]


def test_a_strided_matrix_takes_theano_s_own_path_and_is_still_right(split_product):
    function, dtype = split_product
    x = np.random.RandomState(5).randn(200, 160).astype(dtype)[:, ::2]
    y = np.random.RandomState(6).randn(80, 120).astype(dtype)
    tolerance = split_tolerance(dtype)
    np.testing.assert_allclose(function(x, y), x.astype(np.float64) @ y, rtol=tolerance,
                               atol=tolerance)
