"""Resolvers: bad arguments are refused at construction, named; `output_dtype` is honoured."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, get_output

from agentnet.resolver import (BaseResolver, EpsilonGreedyResolver, GreedyResolver,
                               ProbabilisticResolver)

N_ACTIONS = 4


def scores():
    return InputLayer((None, N_ACTIONS), name="scores")


@pytest.mark.parametrize("resolver_class", [BaseResolver, EpsilonGreedyResolver,
                                            ProbabilisticResolver])
@pytest.mark.parametrize("output_dtype", ["int32", "int64", "uint8"])
def test_output_dtype_is_the_dtype_of_the_actions(resolver_class, output_dtype):
    """EpsilonGreedyResolver(q, output_dtype="int64") used to output int32 (issue 14)."""
    layer = scores()
    resolver = resolver_class(layer, output_dtype=output_dtype)
    assert resolver.output_dtype == output_dtype
    assert get_output(resolver).dtype == output_dtype


def test_default_output_dtype_is_int32_as_in_the_spec():
    """Spec 04: "Resolvers declare output_dtype='int32'"."""
    layer = scores()
    for resolver in (GreedyResolver(layer), EpsilonGreedyResolver(layer),
                     ProbabilisticResolver(layer)):
        assert resolver.output_dtype == "int32" and get_output(resolver).dtype == "int32"


def test_epsilon_greedy_int64_actions_are_the_same_actions():
    layer = scores()
    act = theano.function([layer.input_var],
                          get_output(EpsilonGreedyResolver(layer, epsilon=0.0, seed=1,
                                                           output_dtype="int64")),
                          allow_input_downcast=True)
    values = np.array([[0, 3, 1, 2], [5, 1, 1, 0]])
    got = act(values)
    assert got.dtype == np.int64 and got.tolist() == [1, 0]


@pytest.mark.parametrize("build, error, match", [
    (lambda: BaseResolver(np.zeros((2, N_ACTIONS))), TypeError,
     r"`incoming` must be a lasagne layer, got ndarray"),
    (lambda: EpsilonGreedyResolver(scores(), output_dtype="float32"), ValueError,
     r"`output_dtype` must be an int dtype, got 'float32'"),
    (lambda: ProbabilisticResolver(scores(), output_dtype="no-such-dtype"), TypeError,
     r"`output_dtype` must be a dtype name"),
    (lambda: EpsilonGreedyResolver(scores(), epsilon=T.vector()), ValueError,
     r"`epsilon` must be a Theano scalar, got ndim 1"),
    (lambda: ProbabilisticResolver(scores(), seed=-1), ValueError,
     r"`seed` must be an int >= 0, got -1"),
    (lambda: EpsilonGreedyResolver(scores(), seed="7"), TypeError,
     r"`seed` must be an int >= 0, got '7' \(str\)"),
    (lambda: EpsilonGreedyResolver(scores(), epsilon=True), TypeError,
     r"`epsilon` must be a float in \[0, 1\] or a Theano scalar .*, got True \(bool\)"),
    (lambda: GreedyResolver(scores(), output_dtype="bool"), ValueError,
     r"`output_dtype` must be an int dtype, got 'bool'"),
    (lambda: ProbabilisticResolver(scores(), assume_normalized="yes"), TypeError,
     r"`assume_normalized` must be True or False, got 'yes'"),
], ids=["incoming-array", "float-dtype", "unknown-dtype", "epsilon-vector", "negative-seed",
        "string-seed", "epsilon-bool", "bool-dtype", "assume-normalized-string"])
def test_bad_argument_is_named(build, error, match):
    with pytest.raises(error, match=match):
        build()
