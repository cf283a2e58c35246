"""Every learning objective against a numpy reference built on tests/numpy_reference."""
import functools

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.learning import a2c, dpg, qlearning, reinforce, sarsa
from agentnet.learning.losses import huber_loss
from tests.numpy_reference import n_step_reference, random_sessions

B, T_, A = 3, 7, 4
N_STEPS_CASES = [1, 2, 3, T_ - 1, T_, T_ + 1, None]


def _take(values, actions):
    return np.take_along_axis(values, actions[:, :, None], axis=2)[:, :, 0]


def _data(seed=0, truncate=False, scalar_gamma=False):
    rng = np.random.RandomState(seed)
    qvalues, actions, rewards, alive = random_sessions(rng, B, T_, A)
    truncated = np.zeros((B, T_))
    if truncate:
        truncated[0, int(alive[0].sum()) - 1] = 1
    gammas = 0.9 if scalar_gamma else rng.uniform(0.5, 1.0, size=(B, T_))
    probs = np.exp(qvalues) / np.exp(qvalues).sum(-1, keepdims=True)
    return dict(qvalues=qvalues, actions=actions, rewards=rewards, alive=alive,
                truncated=truncated, gammas=gammas, values=rng.randn(B, T_),
                target=rng.randn(B, T_, A), probs=probs)


def _n_steps_input(n_steps):
    """Python ints 1 and None stay as they are; other n are fed symbolically (one compile)."""
    return n_steps if n_steps in (1, None) else T.iscalar("n_steps")


def _compile(build, n_steps, crop_last, scalar_gamma):
    q, target = T.tensor3("q"), T.tensor3("target")
    actions = T.imatrix("actions")
    rewards, alive, truncated, values = T.matrices("r", "alive", "trunc", "v")
    gammas = T.scalar("g") if scalar_gamma else T.matrix("g")
    n = _n_steps_input(n_steps)
    outputs = build(q=q, target=target, actions=actions, rewards=rewards, alive=alive,
                    truncated=truncated, gammas=gammas, values=values, n_steps=n,
                    crop_last=crop_last)
    inputs = [q, target, actions, rewards, alive, truncated, gammas, values]
    inputs += [n] if isinstance(n, T.Variable) else []
    return theano.function(inputs, outputs, allow_input_downcast=True,
                           on_unused_input="ignore")


def _run(function, data, n_steps):
    args = [data[k] for k in ("qvalues", "target", "actions", "rewards", "alive", "truncated",
                              "gammas", "values")]
    return function(*(args + ([n_steps] if n_steps not in (1, None) else [])))


def _build_qlearning(q, target, actions, rewards, alive, truncated, gammas, values, n_steps,
                     crop_last):
    return qlearning.get_elementwise_objective(q, actions, rewards, alive, qvalues_target=target,
                                               n_steps=n_steps, gamma_or_gammas=gammas,
                                               crop_last=crop_last, is_truncated=truncated)


def _build_sarsa(q, target, actions, rewards, alive, truncated, gammas, values, n_steps,
                 crop_last):
    return sarsa.get_elementwise_objective(q, actions, rewards, alive, qvalues_target=target,
                                           n_steps=n_steps, gamma_or_gammas=gammas,
                                           crop_last=crop_last, is_truncated=truncated)


def _build_dpg(q, target, actions, rewards, alive, truncated, gammas, values, n_steps,
               crop_last):
    return dpg.get_elementwise_objective_critic(q[:, :, 0], values, rewards, alive,
                                                n_steps=n_steps, gamma_or_gammas=gammas,
                                                crop_last=crop_last, is_truncated=truncated)


def _build_a2c(q, target, actions, rewards, alive, truncated, gammas, values, n_steps,
               crop_last):
    probs = T.nnet.softmax(q.reshape((-1, q.shape[2]))).reshape(q.shape)
    return a2c.get_elementwise_objective(probs, values, actions, rewards, alive,
                                         state_values_target=target[:, :, 0], n_steps=n_steps,
                                         gamma_or_gammas=gammas, crop_last=crop_last,
                                         return_separate=True, is_truncated=truncated)


def _expected_qlearning(d, n_steps, crop_last):
    reference = n_step_reference(d["target"].max(-1), d["rewards"], d["alive"], n_steps,
                                 d["gammas"], crop_last, is_truncated=d["truncated"])
    return _value_loss(reference, _take(d["qvalues"], d["actions"]), d["alive"], crop_last)


def _expected_sarsa(d, n_steps, crop_last):
    reference = n_step_reference(_take(d["target"], d["actions"]), d["rewards"], d["alive"],
                                 n_steps, d["gammas"], crop_last, is_truncated=d["truncated"])
    return _value_loss(reference, _take(d["qvalues"], d["actions"]), d["alive"], crop_last)


def _expected_dpg(d, n_steps, crop_last):
    reference = n_step_reference(d["values"], d["rewards"], d["alive"], n_steps, d["gammas"],
                                 crop_last, is_truncated=d["truncated"])
    return _value_loss(reference, d["qvalues"][:, :, 0], d["alive"], crop_last)


def _expected_a2c(d, n_steps, crop_last):
    value_reference = n_step_reference(d["target"][:, :, 0], d["rewards"], d["alive"], n_steps,
                                       d["gammas"], crop_last, is_truncated=d["truncated"])
    critic = (value_reference - d["values"]) ** 2 * d["alive"]
    advantage_reference = n_step_reference(d["values"], d["rewards"], d["alive"], n_steps,
                                           d["gammas"], crop_last, is_truncated=d["truncated"])
    log_pi = np.log(_take(d["probs"], d["actions"]))
    actor = -log_pi * (advantage_reference - d["values"]) * d["alive"]
    return actor, critic


def _value_loss(reference, prediction, alive, crop_last):
    if crop_last:
        reference[:, -1] = prediction[:, -1]
    return (reference - prediction) ** 2 * alive


OBJECTIVES = {
    "qlearning": (_build_qlearning, _expected_qlearning),
    "sarsa": (_build_sarsa, _expected_sarsa),
    "dpg": (_build_dpg, _expected_dpg),
    "a2c": (_build_a2c, _expected_a2c),
}


@functools.lru_cache(maxsize=None)
def compiled(name, n_steps_kind, crop_last, scalar_gamma):
    build, _ = OBJECTIVES[name]
    return _compile(build, n_steps_kind, crop_last, scalar_gamma)


@pytest.mark.numerics
@pytest.mark.parametrize("scalar_gamma", [False, True], ids=["gamma-per-tick", "gamma-scalar"])
@pytest.mark.parametrize("truncate", [False, True], ids=["no-truncation", "truncation"])
@pytest.mark.parametrize("crop_last", [True, False], ids=["crop", "nocrop"])
@pytest.mark.parametrize("n_steps", N_STEPS_CASES, ids=lambda n: "n=%s" % n)
@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_objective_matches_numpy(name, n_steps, crop_last, truncate, scalar_gamma):
    data = _data(seed=11, truncate=truncate, scalar_gamma=scalar_gamma)
    kind = n_steps if n_steps in (1, None) else "symbolic"
    got = _run(compiled(name, kind, crop_last, scalar_gamma), data, n_steps)
    expected = OBJECTIVES[name][1](data, n_steps, crop_last)
    for g, e in zip(np.atleast_3d(got) if name != "a2c" else got,
                    np.atleast_3d(expected) if name != "a2c" else expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
@pytest.mark.parametrize("scalar_gamma", [False, True], ids=["gamma-per-tick", "gamma-scalar"])
@pytest.mark.parametrize("crop_last", [True, False])
def test_reinforce_matches_numpy(crop_last, scalar_gamma):
    data = _data(seed=5, scalar_gamma=scalar_gamma)
    policy, actions, rewards, alive, baseline = (T.tensor3(), T.imatrix(), T.matrix(),
                                                 T.matrix(), T.matrix())
    gammas = T.scalar() if scalar_gamma else T.matrix()
    loss = reinforce.get_elementwise_objective(policy, actions, rewards, alive, baseline,
                                               gamma_or_gammas=gammas, crop_last=crop_last)
    f = theano.function([policy, actions, rewards, alive, baseline, gammas], loss,
                        allow_input_downcast=True)
    got = f(data["probs"], data["actions"], data["rewards"], data["alive"], data["values"],
            data["gammas"])
    returns = n_step_reference(np.zeros((B, T_)), data["rewards"], data["alive"], None,
                               data["gammas"], crop_last, end_at_tmax=True)
    expected = -np.log(_take(data["probs"], data["actions"])) * (returns - data["values"]) \
        * data["alive"]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
def test_no_gradient_flows_into_the_reference():
    """With a constant reference, dL/dQ is -2 (R - Q_a) at the taken action and 0 elsewhere."""
    data = _data(seed=3)
    q, actions, rewards, alive = T.tensor3(), T.imatrix(), T.matrix(), T.matrix()
    loss = qlearning.get_elementwise_objective(q, actions, rewards, alive, n_steps=3,
                                               gamma_or_gammas=0.9, crop_last=False)
    reference = qlearning.get_elementwise_objective(q, actions, rewards, alive, n_steps=3,
                                                    gamma_or_gammas=0.9, crop_last=False,
                                                    return_reference=True)
    f = theano.function([q, actions, rewards, alive], [theano.grad(loss.sum(), q), reference],
                        allow_input_downcast=True)
    grad, ref = f(data["qvalues"], data["actions"], data["rewards"], data["alive"])
    expected = np.zeros_like(data["qvalues"])
    q_taken = _take(data["qvalues"], data["actions"])
    for b in range(B):
        for t in range(T_):
            expected[b, t, data["actions"][b, t]] = -2 * (ref[b, t] - q_taken[b, t]) \
                * data["alive"][b, t]
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
def test_double_q_learning_recipe_and_huber_loss():
    """Double Q: V' = Q_target(s, argmax_a Q(s, a)); Huber halves small squared errors."""
    data = _data(seed=8)
    q, target, actions, rewards = T.tensor3(), T.tensor3(), T.imatrix(), T.matrix()
    from agentnet.learning.generic import get_values_for_actions
    double_v = get_values_for_actions(target, T.argmax(q, axis=-1).astype("int32"))
    loss = qlearning.get_elementwise_objective(q, actions, rewards, state_values_target=double_v,
                                               n_steps=1, gamma_or_gammas=0.9, crop_last=False,
                                               loss_function=huber_loss)
    f = theano.function([q, target, actions, rewards], loss, allow_input_downcast=True)
    got = f(data["qvalues"], data["target"], data["actions"], data["rewards"])
    v_next = _take(data["target"], data["qvalues"].argmax(-1))
    reference = n_step_reference(v_next, data["rewards"], None, 1, 0.9, crop_last=False)
    error = np.abs(reference - _take(data["qvalues"], data["actions"]))
    expected = np.where(error <= 1, 0.5 * error ** 2, error - 0.5)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_objective_errors():
    q, m, a = T.tensor3(), T.matrix(), T.imatrix()
    with pytest.raises(ValueError, match=r"`qvalues` must have ndim 3 \[batch, tick, n_actions\]"):
        qlearning.get_elementwise_objective(m, a, m)
    with pytest.raises(ValueError, match="not both"):
        qlearning.get_elementwise_objective(q, a, m, qvalues_target=q, state_values_target=m)
    with pytest.raises(NotImplementedError, match="state_values_target"):
        qlearning.get_elementwise_objective(q, a, m, aggregation_function=T.max)
    with pytest.raises(ValueError, match="`rewards` must have ndim 2"):
        sarsa.get_elementwise_objective(q, a, T.vector())
    with pytest.raises(ValueError, match="`policy` must have ndim 2"):
        a2c.get_elementwise_objective(T.tensor4(), m, a, m)
    with pytest.raises(TypeError, match="did you mean 'n_steps'"):
        qlearning.get_elementwise_objective(q, a, m, n_step=3)
    with pytest.raises(ValueError, match="'always'"):
        qlearning.get_elementwise_objective(q, a, m, is_alive="sometimes")
