"""Double Q-learning values against numpy, alone and inside the Q-learning objective."""
import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.learning import qlearning
from agentnet.learning.double_q import double_q_values
from tests.numpy_reference import n_step_reference, random_sessions

floatX = theano.config.floatX


def numpy_double_values(qvalues, qvalues_target):
    """V'_bt = Q_target[b, t, argmax_a Q[b, t, a]], one tick at a time."""
    values = np.zeros(qvalues.shape[:2])
    for b in range(qvalues.shape[0]):
        for t in range(qvalues.shape[1]):
            values[b, t] = qvalues_target[b, t, int(np.argmax(qvalues[b, t]))]
    return values


@pytest.mark.numerics
def test_double_values_take_the_target_value_of_the_online_argmax(rng):
    online, target = rng.randn(3, 5, 4).astype(floatX), rng.randn(3, 5, 4).astype(floatX)
    q, q_target = T.tensor3(), T.tensor3()
    got = theano.function([q, q_target], double_q_values(q, q_target))(online, target)
    np.testing.assert_allclose(got, numpy_double_values(online, target), rtol=1e-6)
    assert not np.allclose(got, target.max(-1))  # differs from the plain max target


@pytest.mark.numerics
@pytest.mark.parametrize("n_steps", [1, 2, None], ids=["n1", "n2", "to-end"])
def test_qlearning_with_double_values_equals_numpy_n_step_reference(rng, n_steps):
    qvalues, actions, rewards, alive = random_sessions(rng, 3, 7, 4)
    target = rng.randn(3, 7, 4)
    q, q_target = T.tensor3(), T.tensor3()
    reference = qlearning.get_elementwise_objective(
        q, actions, rewards.astype(floatX), alive.astype(floatX),
        state_values_target=double_q_values(q, q_target), n_steps=n_steps,
        gamma_or_gammas=0.9, return_reference=True)
    got = theano.function([q, q_target], reference)(qvalues.astype(floatX), target.astype(floatX))
    expected = n_step_reference(numpy_double_values(qvalues, target), rewards, alive, n_steps,
                                0.9)
    taken = np.take_along_axis(qvalues, actions[..., None], axis=2)[..., 0]
    expected[:, -1] = taken[:, -1]  # crop_last: the last tick's reference is its prediction
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_no_gradient_flows_through_the_online_argmax():
    q, q_target = T.tensor3(), T.tensor3()
    gradient = theano.grad(double_q_values(q, q_target).sum(), q_target)
    values = np.zeros((1, 2, 3), floatX)
    values[0, :, 1] = 1
    got = theano.function([q, q_target], gradient, on_unused_input="ignore")(values, values)
    np.testing.assert_array_equal(got, values)
    online_gradient = theano.grad(double_q_values(q, q_target).sum(), q,
                                  disconnected_inputs="ignore")
    got = theano.function([q, q_target], online_gradient, on_unused_input="ignore")(values, values)
    np.testing.assert_array_equal(got, np.zeros_like(values))


@pytest.mark.parametrize("online, target, error, match", [
    (T.matrix(), T.tensor3(), ValueError,
     "`qvalues` must have ndim 3 \\[batch, tick, n_actions\\]"),
    (T.tensor3(), T.matrix(), ValueError, "`qvalues_target` must have ndim 3"),
    ("q", T.tensor3(), TypeError, "`qvalues` must be a tensor or a numpy array"),
    (np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), ValueError,
     "`qvalues` and `qvalues_target` must agree on \\[batch, tick\\]"),
], ids=["online-2d", "target-2d", "string", "tick-mismatch"])
def test_bad_arguments_are_named(online, target, error, match):
    with pytest.raises(error, match=match):
        double_q_values(online, target)
