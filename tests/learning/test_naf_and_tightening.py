"""NAF layers and the optimality-tightening objective against numpy."""
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, get_output

from agentnet.learning import qlearning_naf
from agentnet.learning.qlearning_naf import (LowerTriangularLayer, NAFLayer, build_NAF_controller,
                                             diag_to_tril_size, tril_size_to_diag)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from agentnet.learning import qlearning_opt_tightening


def test_triangular_sizes_round_trip():
    for d in range(1, 10):
        assert tril_size_to_diag(diag_to_tril_size(d)) == d


@pytest.mark.numerics
def test_lower_triangular_and_naf_advantage_match_numpy():
    rng = np.random.RandomState(0)
    d, batch = 3, 4
    entries = InputLayer((None, diag_to_tril_size(d)))
    action, mean = InputLayer((None, d)), InputLayer((None, d))
    lower = LowerTriangularLayer(entries)
    advantage = NAFLayer(action, mean, lower)
    f = theano.function([entries.input_var, action.input_var, mean.input_var],
                        get_output([lower, advantage]), allow_input_downcast=True)
    e, u, mu = rng.randn(batch, 6), rng.randn(batch, d), rng.randn(batch, d)
    got_lower, got_advantage = f(e, u, mu)
    expected_lower = np.zeros((batch, d, d))
    rows, cols = np.tril_indices(d)
    expected_lower[:, rows, cols] = e
    np.testing.assert_allclose(got_lower, expected_lower, rtol=1e-5)
    for b in range(batch):
        p = expected_lower[b] @ expected_lower[b].T
        delta = u[b] - mu[b]
        np.testing.assert_allclose(got_advantage[b, 0], -0.5 * delta @ p @ delta, rtol=1e-4)
    assert lower.output_shape == (None, d, d) and advantage.output_shape == (None, 1)


def test_build_naf_controller_keys_and_shapes():
    heads = build_NAF_controller(InputLayer((None, 5)), action_dimensions=2, action_low=-1,
                                 action_high=1)
    assert list(heads) == ["means", "actions", "action_qvalues", "state_value", "advantage"]
    assert heads["action_qvalues"].output_shape == (None, 1)
    assert qlearning_naf.get_elementwise_objective.__name__ == "get_elementwise_objective_critic"


def test_naf_errors():
    with pytest.raises(ValueError, match="triangular number"):
        LowerTriangularLayer(InputLayer((None, 5)))
    with pytest.raises(ValueError, match="`action_layer` must have ndim 2"):
        NAFLayer(InputLayer((None, 2, 2)), InputLayer((None, 2)), InputLayer((None, 2, 2)))
    with pytest.raises(ValueError, match="`input_layer` is required"):
        build_NAF_controller()


def _tightening_reference(q, actions, rewards, alive, k_steps, gamma, lam):
    batch, ticks, _ = q.shape
    best = np.concatenate([q.max(-1), np.zeros((batch, k_steps + 1))], axis=1)
    r = np.concatenate([rewards, np.zeros((batch, k_steps + 1))], axis=1)
    m = np.concatenate([alive, np.zeros((batch, k_steps + 1))], axis=1)
    loss = np.zeros((batch, ticks))
    for b in range(batch):
        for t in range(ticks):
            q_a = q[b, t, actions[b, t]]
            classic = (r[b, t] + gamma * best[b, t + 1] - q_a) ** 2
            bounds = [sum(gamma ** j * r[b, t + j] for j in range(k + 1))
                      + gamma ** (k + 1) * best[b, t + k + 1] * m[b, t + k + 1]
                      for k in range(k_steps)]
            loss[b, t] = classic + lam * max(0.0, max(bounds) - q_a) ** 2
    return loss


@pytest.mark.numerics
def test_optimality_tightening_matches_numpy():
    rng = np.random.RandomState(1)
    q, actions = rng.randn(2, 5, 3), rng.randint(0, 3, size=(2, 5)).astype("int32")
    rewards, alive = rng.randn(2, 5), np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=float)
    qv, av, rv, lv = T.tensor3(), T.imatrix(), T.matrix(), T.matrix()
    loss = qlearning_opt_tightening.get_elementwise_objective(qv, av, rv, 3, lv, gamma=0.9,
                                                              lambda_constr=10.)
    got = theano.function([qv, av, rv, lv], loss, allow_input_downcast=True)(q, actions, rewards,
                                                                              alive)
    np.testing.assert_allclose(got, _tightening_reference(q, actions, rewards, alive, 3, 0.9, 10.),
                               rtol=1e-4, atol=1e-4)
