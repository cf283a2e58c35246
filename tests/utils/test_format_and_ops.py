"""Format helpers, tensor ops, gradient helpers, shared variables, logging, config, deprecated."""
import importlib
import importlib.util
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import InputLayer

import agentnet
from agentnet.utils import (MultiplyGradient, cast_to_type, check_list, check_ordered_dict,
                            check_sequence, check_tuple, consider_constant, create_shared,
                            get_type, in1d, insert_dim, is_layer, is_numpy_object,
                            is_theano_object, linspace, norm, normalize, reverse_gradient,
                            set_shared, supported_sequences, unpack_list)
from agentnet.utils.config import config
from agentnet.utils.logging import deprecated, warn

floatX = theano.config.floatX


@pytest.fixture
def verbosity():
    """Set ``config.verbose`` inside a test; the old value comes back afterwards."""
    saved = config.verbose

    def set_level(level):
        config.verbose = level
    yield set_level
    config.verbose = saved


def _recorded(function, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args)
    return result, [str(w.message) for w in caught]


# --- format --------------------------------------------------------------------------------

def test_type_predicates():
    assert supported_sequences == (tuple, list)
    assert is_layer(InputLayer((None, 2))) and not is_layer(T.matrix())
    assert is_theano_object(T.matrix()) and is_theano_object(theano.shared(1.0))
    assert is_numpy_object(np.zeros(2)) and is_numpy_object(np.float32(1))
    assert not is_numpy_object([1]) and not is_theano_object(np.zeros(2))


def test_check_sequence_keeps_lists_and_tuples():
    items, pair = [1, 2], (3, 4)
    assert check_sequence(items) is items and check_sequence(pair) is pair
    assert check_list(pair) == [3, 4] and check_tuple(items) == (1, 2)


@pytest.mark.parametrize("single", [np.zeros((2, 3)), np.float32(1), T.matrix(), 5, None, "name",
                                    InputLayer((None, 2))],
                         ids=["array", "numpy-scalar", "tensor", "int", "none", "str", "layer"])
def test_single_items_become_one_element_lists(single):
    result, messages = _recorded(check_list, single)
    assert len(result) == 1 and result[0] is single and messages == []
    assert check_tuple(single)[0] is single


def test_other_iterables_are_converted_with_a_chatty_warning(verbosity):
    verbosity(2)
    result, messages = _recorded(check_list, (i for i in range(3)))
    assert result == [0, 1, 2]
    assert messages == ["[Verbose>=2] generator converted to a tuple; pass a list or tuple to "
                        "avoid this warning."]
    objects = np.empty(2, dtype=object)
    objects[:] = ["a", "b"]
    result, messages = _recorded(check_tuple, objects)
    assert result == ("a", "b") and "ndarray converted to a tuple" in messages[0]


def test_iterables_that_cannot_be_iterated_are_one_item():
    class Stubborn(object):
        def __iter__(self):
            raise TypeError("no")
    stubborn = Stubborn()
    result, messages = _recorded(check_list, stubborn)
    assert result == [stubborn] and "could not be iterated" in messages[0]


def test_check_ordered_dict():
    ordered = check_ordered_dict({"b": 1, "a": 2})
    assert isinstance(ordered, OrderedDict) and list(ordered.items()) == [("b", 1), ("a", 2)]
    with pytest.raises(TypeError, match="expected a dict, got list"):
        check_ordered_dict([("a", 1)])


def test_unpack_list_on_lists():
    assert unpack_list(list(range(10)), [2, 3, 5]) == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    assert unpack_list([1, 2], []) == []


@pytest.mark.numerics
def test_unpack_list_on_tensors():
    vector = T.vector()
    chunks = unpack_list(vector, [1, 2, 3])
    assert isinstance(chunks, list) and len(chunks) == 3
    values = theano.function([vector], chunks)(np.arange(6, dtype=floatX))
    assert [v.tolist() for v in values] == [[0], [1, 2], [3, 4, 5]]


# --- tensor ops ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tensor_ops():
    """One compiled function returning every tensor op on a matrix, a vector and an int table."""
    x, values, table = T.matrix("x"), T.ivector("values"), T.imatrix("table")
    outputs = OrderedDict([
        ("norm", norm(x)), ("norm_axis0", norm(x, axis=0, keepdims=False)),
        ("normalize", normalize(x)), ("normalize_axis0", normalize(x, axis=0)),
        ("normalize_grad", theano.grad(normalize(x)[:, 0].sum(), x)),
        ("linspace", linspace(-1, 2, 7)), ("linspace_single", linspace(3, 5, 1)),
        ("in1d", in1d(table, values)),
        ("insert_last", insert_dim(x)), ("insert_first", insert_dim(x, 0)),
        ("insert_end", insert_dim(x, 2)),
    ])
    function = theano.function([x, values, table], list(outputs.values()))
    return lambda *args: dict(zip(outputs, function(*args)))


@pytest.mark.numerics
def test_tensor_ops_match_numpy(tensor_ops):
    x = np.array([[3, 4, 0], [0, 0, 0], [1, -2, 2]], dtype=floatX)
    table = np.array([[1, 5], [2, 7], [3, 3]], dtype="int32")
    out = tensor_ops(x, np.array([2, 3, 1], dtype="int32"), table)
    row_norms = np.sqrt((x.astype(np.float64) ** 2).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(out["norm"], row_norms, rtol=1e-6)
    np.testing.assert_allclose(out["norm_axis0"], np.linalg.norm(x, axis=0), rtol=1e-6)
    expected = np.zeros_like(x)
    for i in range(3):
        if row_norms[i, 0] > 0:
            expected[i] = x[i] / row_norms[i, 0]
    np.testing.assert_allclose(out["normalize"], expected, rtol=1e-6)
    np.testing.assert_allclose(out["normalize_axis0"], x / np.linalg.norm(x, axis=0), rtol=1e-6)
    np.testing.assert_allclose(out["linspace"], np.linspace(-1, 2, 7), rtol=1e-6)
    assert out["linspace"].dtype == np.float32
    np.testing.assert_array_equal(out["linspace_single"], [3])
    np.testing.assert_array_equal(out["in1d"], np.isin(table, [2, 3, 1]))
    assert out["in1d"].shape == table.shape
    assert out["insert_last"].shape == (3, 1, 3) and out["insert_first"].shape == (1, 3, 3)
    assert out["insert_end"].shape == (3, 3, 1)
    np.testing.assert_array_equal(out["insert_last"][:, 0], x)


@pytest.mark.numerics
def test_normalize_gradient_is_finite_at_zero(tensor_ops):
    x = np.array([[3, 4, 0], [0, 0, 0], [1, -2, 2]], dtype=floatX)
    grad = tensor_ops(x, np.array([1], dtype="int32"), np.zeros((1, 1), dtype="int32"))[
        "normalize_grad"]
    assert np.isfinite(grad).all()
    # d(x_0 / |x|) / dx = e_0 / |x| - x_0 x / |x|^3 on the first row
    first = x[0].astype(np.float64)
    reference = np.eye(3)[0] / 5 - first[0] * first / 125
    np.testing.assert_allclose(grad[0], reference, rtol=1e-5, atol=1e-7)


def test_get_type_and_cast_to_type():
    row = T.row("row", dtype="float32")
    row_type = get_type(row)
    assert row_type.dtype == "float32" and row_type.broadcastable == (True, False)
    matrix_type = get_type(T.matrix(dtype="float32"))
    converted = cast_to_type(row, matrix_type)
    assert converted.type == matrix_type
    with pytest.raises(ValueError, match="cannot convert a 2-d tensor"):
        cast_to_type(row, get_type(T.tensor3(dtype="float32")))
    with pytest.raises(ValueError, match="cannot convert"):
        cast_to_type(T.matrix(dtype="float32"), get_type(T.matrix(dtype="int32")))


# --- gradients -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gradients():
    """Value and gradient of ``sum(op(x) * x)`` for several ops, in one compiled function."""
    x = T.vector("x")
    ops = OrderedDict([("identity", lambda v: v), ("constant", consider_constant),
                       ("reversed", reverse_gradient), ("halved", MultiplyGradient(0.5))])
    outputs = []
    for op in ops.values():
        outputs += [op(x), theano.grad((op(x) * x).sum(), x)]
    function = theano.function([x], outputs)

    def evaluate(value):
        results = function(value)
        return {name: (results[2 * i], results[2 * i + 1]) for i, name in enumerate(ops)}
    return evaluate


@pytest.mark.numerics
def test_gradient_helpers(gradients):
    x = np.array([1, -2, 0.5], dtype=floatX)
    out = gradients(x)
    for name, factor in [("identity", 1), ("constant", 0), ("reversed", -1), ("halved", 0.5)]:
        forward, grad = out[name]
        np.testing.assert_array_equal(forward, x)
        # d/dx sum(op(x) * x) = x (the direct factor) + factor * x (through the op)
        np.testing.assert_allclose(grad, x + factor * x, err_msg=name)


def test_multiply_gradient_props():
    assert MultiplyGradient(0.5) == MultiplyGradient(0.5) != MultiplyGradient(2)
    assert hash(MultiplyGradient(3)) == hash(MultiplyGradient(3))
    assert reverse_gradient.hp_lambda == -1 and MultiplyGradient().hp_lambda == 1
    assert MultiplyGradient.view_map == {0: [0]}
    assert consider_constant is theano.gradient.disconnected_grad


# --- shared variables ----------------------------------------------------------------------

def test_create_shared():
    fortran = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    var = create_shared("weights", fortran)
    assert var.name == "weights" and var.dtype == floatX
    assert var.get_value(borrow=True).flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(var.get_value(), fortran)
    counts = create_shared("counts", [1.7, 2.2], dtype="int32")
    assert counts.dtype == "int32" and counts.get_value().tolist() == [1, 2]
    strict = create_shared("strict", np.zeros(2), dtype="float64", strict=True)
    with pytest.raises(TypeError):
        strict.set_value(np.zeros(2, dtype="float32"))


def test_set_shared_casts_to_the_variable_dtype():
    var = create_shared("counts", [0, 0], dtype="int32")
    set_shared(var, [5.0, 6.0])
    assert var.get_value().dtype == np.int32 and var.get_value().tolist() == [5, 6]
    matrix = create_shared("m", np.zeros((2, 2)))
    set_shared(matrix, np.asfortranarray(np.eye(2)))
    assert matrix.get_value(borrow=True).flags["C_CONTIGUOUS"]


# --- logging, config, deprecation ----------------------------------------------------------

def test_warn_follows_verbosity(verbosity):
    verbosity(1)
    _, messages = _recorded(lambda: (warn("chatty", verbosity_level=2), warn("essential"),
                                     warn()))
    assert messages == ["[Verbose>=1] essential", "[Verbose>=1] Hello, world!"]
    verbosity(2)
    _, messages = _recorded(lambda: warn("chatty", verbosity_level=2))
    assert messages == ["[Verbose>=2] chatty"]
    config.shut_up()
    assert config.verbose == 0
    _, messages = _recorded(lambda: warn("essential"))
    assert messages == []


def test_warn_passes_the_category(verbosity):
    verbosity(1)
    with pytest.warns(RuntimeWarning, match=r"^\[Verbose>=1\] careful$"):
        warn("careful", category=RuntimeWarning)


def test_package_config_is_the_same_namespace():
    assert agentnet.config is config


def test_deprecated_warns_and_calls_through(verbosity):
    verbosity(1)

    def old_thing(a, b=1):
        """Old docs."""
        return a + b
    old_thing.extra = "kept"
    old_thing = deprecated("new_thing", removed_after="2.0")(old_thing)

    @deprecated()
    def older():
        return "still works"
    with pytest.warns(DeprecationWarning,
                      match=r"old_thing is deprecated and will be removed in 2.0. Use new_thing"):
        assert old_thing(1, b=2) == 3
    with pytest.warns(DeprecationWarning, match="removed in next major patch") as caught:
        assert older() == "still works"
    assert "Use" not in str(caught[0].message)
    assert old_thing.__name__ == "old_thing" and old_thing.__doc__ == "Old docs."
    assert old_thing.__dict__["extra"] == "kept"


def _call_through_library(function):
    """Call ``function`` from a frame that belongs to an agentnet module (as library code does)."""
    namespace = {"__name__": "agentnet.fake_module", "function": function}
    exec(compile("def library_call():\n    return function()\n", "agentnet/fake_module.py",
                 "exec"), namespace)
    return namespace["library_call"]()


def test_warn_names_the_users_line_through_library_frames(verbosity):
    verbosity(1)
    with pytest.warns(UserWarning, match="from deep inside") as caught:
        _call_through_library(lambda: _call_through_library(lambda: warn("from deep inside")))
    assert caught[0].filename == __file__


def test_deprecated_names_the_callers_line(verbosity):
    verbosity(1)
    old = deprecated("new")(lambda: 1)
    with pytest.warns(DeprecationWarning) as caught:
        old()
    assert caught[0].filename == __file__


def test_warning_at_import_time_names_the_import_line(verbosity, tmp_path):
    verbosity(1)
    source = tmp_path / "noisy.py"
    source.write_text("from agentnet.utils.logging import warn\nwarn('imported')\n")
    spec = importlib.util.spec_from_file_location("agentnet.noisy_probe", source)
    with pytest.warns(UserWarning, match="imported") as caught:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert caught[0].filename == __file__


def test_warning_during_import_module_names_the_callers_line(verbosity, tmp_path, monkeypatch):
    verbosity(1)
    package = tmp_path / "agentnet"
    package.mkdir()
    (package / "noisy_module_probe.py").write_text(
        "from agentnet.utils.logging import warn\nwarn('imported by name')\n")
    monkeypatch.setattr(agentnet, "__path__", list(agentnet.__path__) + [str(package)])
    with pytest.warns(UserWarning, match="imported by name") as caught:
        importlib.import_module("agentnet.noisy_module_probe")
    monkeypatch.delitem(sys.modules, "agentnet.noisy_module_probe")
    assert caught[0].filename == __file__
