"""Batch of one and one-unit outputs keep their types inside scan (spec 11)."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, EmbeddingLayer, InputLayer, get_all_params, get_output
from lasagne.nonlinearities import softmax

from agentnet.agent import Recurrence
from agentnet.memory import GRUCell
from agentnet.resolver import EpsilonGreedyResolver


def test_generative_recurrence_with_batch_of_one():
    prev_action = InputLayer((None,), input_var=T.ivector(), name="prev_action")
    prev_hidden = InputLayer((None, 10))
    hidden = GRUCell(prev_hidden, EmbeddingLayer(prev_action, 3, 3), name="gru")
    probs = DenseLayer(hidden, 3, nonlinearity=softmax)
    action = EpsilonGreedyResolver(probs, name="resolver")
    rec = Recurrence(state_variables={hidden: prev_hidden, action: prev_action},
                     unroll_scan=False, n_steps=5, batch_size=1)
    actions = get_output(rec[action])
    f = theano.function([], actions, updates=rec.get_automatic_updates())
    sampled = f()
    assert sampled.shape == (1, 5) and sampled.dtype == np.int32
    assert set(np.unique(sampled)) <= {0, 1, 2}


@pytest.mark.numerics
def test_one_unit_tracked_output_can_be_differentiated():
    """d mean(x W + b) / dW is the mean input, d / db is 1."""
    step_input = InputLayer((None, 5))
    one_unit = DenseLayer(step_input, 1, nonlinearity=None)
    sequence = InputLayer((None, None, 5))
    rec = Recurrence(input_sequences={step_input: sequence}, tracked_outputs=[one_unit],
                     unroll_scan=False)
    output = get_output(rec[one_unit])
    grads = T.grad(output.mean(), get_all_params(one_unit))
    f = theano.function([sequence.input_var], grads, allow_input_downcast=True)
    inputs = np.random.RandomState(0).randn(2, 3, 5)
    weight_grad, bias_grad = f(inputs)
    np.testing.assert_allclose(weight_grad, inputs.mean(axis=(0, 1))[:, None], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(bias_grad, [1.0], rtol=1e-6)
