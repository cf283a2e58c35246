"""Property tests of the objectives' masks: any 0/1 pattern gives the numpy reference's loss.

Q-learning (1-step, 3-step, to the window's end), SARSA and A2C.

Hypothesis draws ``is_alive`` (and ``is_truncated``) patterns, including ones
that come back to life after a 0, and action ids; every compiled function takes
them as inputs, so each is compiled once per module. A second family of
properties draws one bad entry (an ``is_alive`` value other than 0 and 1, an
action id outside ``[0, n_actions)``) and checks that the run-time error names
the argument and the entry's ``[batch, tick]`` position.
"""
import functools
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from hypothesis import HealthCheck, given, settings, strategies as st

from agentnet.learning import a2c, qlearning, sarsa
from agentnet.learning.generic import UnbootstrappedTicksWarning
from tests.numpy_reference import n_step_reference

B, T_, A = 3, 6, 4
GAMMA = 0.9
PROPERTY = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
floatX = theano.config.floatX

pytestmark = pytest.mark.numerics


def _bits(size):
    return st.lists(st.integers(0, 1), min_size=size, max_size=size)


masks = _bits(B * T_).map(lambda bits: np.reshape(bits, (B, T_)).astype(floatX))
action_ids = st.lists(st.integers(0, A - 1), min_size=B * T_, max_size=B * T_).map(
    lambda ids: np.reshape(ids, (B, T_)).astype("int32"))


def _sessions(seed):
    rng = np.random.RandomState(seed)
    return rng.randn(B, T_, A).astype(floatX), rng.randn(B, T_).astype(floatX)


@functools.lru_cache(maxsize=None)
def _compiled(objective, n_steps, crop_last):
    """``loss(qvalues, actions, rewards, is_alive, is_truncated)``, compiled once."""
    q, actions, rewards = T.tensor3("q"), T.imatrix("actions"), T.matrix("rewards")
    alive, truncated = T.matrix("alive"), T.matrix("truncated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnbootstrappedTicksWarning)
        loss = objective.get_elementwise_objective(
            q, actions, rewards, alive, n_steps=n_steps, gamma_or_gammas=GAMMA,
            crop_last=crop_last, is_truncated=truncated)
    return theano.function([q, actions, rewards, alive, truncated], loss,
                           allow_input_downcast=True)


def _reference_loss(qvalues, actions, rewards, alive, truncated, n_steps, crop_last,
                    target_values):
    """Q-learning / SARSA loss by the definition: (R_t - Q(s_t, a_t))^2 * alive_t."""
    chosen = np.take_along_axis(qvalues, actions[:, :, None], axis=2)[:, :, 0]
    reference = n_step_reference(target_values.astype("float64"), rewards, alive, n_steps,
                                 GAMMA, crop_last, is_truncated=truncated)
    if crop_last:
        reference[:, -1] = chosen[:, -1]
    return (reference - chosen) ** 2 * alive


def _tolerance():
    return dict(rtol=1e-4, atol=1e-4) if floatX == "float32" else dict(rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_steps", [1, 3, None], ids=["1-step", "3-step", "to-the-end"])
@pytest.mark.parametrize("crop_last", [True, False], ids=["crop", "no-crop"])
@PROPERTY
@given(alive=masks, actions=action_ids, seed=st.integers(0, 2 ** 16))
def test_qlearning_loss_for_any_alive_pattern(n_steps, crop_last, alive, actions, seed):
    qvalues, rewards = _sessions(seed)
    no_truncation = np.zeros((B, T_), floatX)
    got = _compiled(qlearning, n_steps, crop_last)(qvalues, actions, rewards, alive,
                                                   no_truncation)
    expected = _reference_loss(qvalues, actions, rewards, alive, None, n_steps, crop_last,
                               qvalues.max(axis=-1))
    np.testing.assert_allclose(got, expected, **_tolerance())


@pytest.mark.parametrize("n_steps", [1, 3], ids=["1-step", "3-step"])
@PROPERTY
@given(alive=masks, truncated=masks, actions=action_ids, seed=st.integers(0, 2 ** 16))
def test_qlearning_loss_for_any_alive_and_truncated_pattern(n_steps, alive, truncated, actions,
                                                            seed):
    qvalues, rewards = _sessions(seed)
    got = _compiled(qlearning, n_steps, True)(qvalues, actions, rewards, alive, truncated)
    expected = _reference_loss(qvalues, actions, rewards, alive, truncated, n_steps, True,
                               qvalues.max(axis=-1))
    np.testing.assert_allclose(got, expected, **_tolerance())


@PROPERTY
@given(alive=masks, actions=action_ids, seed=st.integers(0, 2 ** 16))
def test_sarsa_loss_for_any_alive_pattern(alive, actions, seed):
    qvalues, rewards = _sessions(seed)
    got = _compiled(sarsa, 2, True)(qvalues, actions, rewards, alive, np.zeros((B, T_), floatX))
    chosen = np.take_along_axis(qvalues, actions[:, :, None], axis=2)[:, :, 0]
    expected = _reference_loss(qvalues, actions, rewards, alive, None, 2, True, chosen)
    np.testing.assert_allclose(got, expected, **_tolerance())


@functools.lru_cache(maxsize=None)
def _compiled_a2c():
    """``(actor, critic)(policy, values, actions, rewards, is_alive, is_truncated)``, 2-step."""
    policy, values, actions = T.tensor3("policy"), T.matrix("values"), T.imatrix("actions")
    rewards, alive, truncated = T.matrix("rewards"), T.matrix("alive"), T.matrix("truncated")
    losses = a2c.get_elementwise_objective(policy, values, actions, rewards, alive, n_steps=2,
                                           gamma_or_gammas=GAMMA, return_separate=True,
                                           is_truncated=truncated)
    return theano.function([policy, values, actions, rewards, alive, truncated], losses,
                           allow_input_downcast=True)


@PROPERTY
@given(alive=masks, truncated=masks, actions=action_ids, seed=st.integers(0, 2 ** 16))
def test_a2c_losses_for_any_alive_and_truncated_pattern(alive, truncated, actions, seed):
    logits, rewards = _sessions(seed)
    policy = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    values = np.random.RandomState(seed + 1).randn(B, T_).astype(floatX)
    actor, critic = _compiled_a2c()(policy, values, actions, rewards, alive, truncated)
    reference = n_step_reference(values.astype("float64"), rewards, alive, 2, GAMMA, True,
                                 is_truncated=truncated)
    log_policy = np.log(np.take_along_axis(policy, actions[:, :, None], axis=2)[:, :, 0])
    np.testing.assert_allclose(critic, (reference - values) ** 2 * alive, **_tolerance())
    np.testing.assert_allclose(actor, -log_policy * (reference - values) * alive,
                               **_tolerance())


def _position(b, t):
    return r"at \[%i, %i\]" % (b, t)


@PROPERTY
@given(alive=masks, b=st.integers(0, B - 1), t=st.integers(0, T_ - 1),
       bad=st.sampled_from([2.0, -1.0, 0.5, float("nan")]))
def test_any_alive_value_other_than_0_and_1_is_named_with_its_position(alive, b, t, bad):
    qvalues, rewards = _sessions(0)
    alive[b, t] = bad
    loss = _compiled(qlearning, 1, True)
    with pytest.raises(ValueError, match=r"`is_alive` must hold only 0 and 1, got %s %s "
                                         r"\(1 of %i values\)" % (bad, _position(b, t), B * T_)):
        loss(qvalues, np.zeros((B, T_), "int32"), rewards, alive, np.zeros((B, T_), floatX))


@PROPERTY
@given(truncated=masks, b=st.integers(0, B - 1), t=st.integers(0, T_ - 1))
def test_any_truncated_value_other_than_0_and_1_is_named(truncated, b, t):
    qvalues, rewards = _sessions(0)
    truncated[b, t] = 3
    loss = _compiled(qlearning, 3, True)
    with pytest.raises(ValueError, match=r"`is_truncated` must hold only 0 and 1, got 3.0 %s"
                                         % _position(b, t)):
        loss(qvalues, np.zeros((B, T_), "int32"), rewards, np.ones((B, T_)), truncated)


@PROPERTY
@given(actions=action_ids, b=st.integers(0, B - 1), t=st.integers(0, T_ - 1),
       bad=st.sampled_from([-1, -A, A, A + 7]))
def test_any_action_id_outside_the_range_is_named_with_its_position(actions, b, t, bad):
    qvalues, rewards = _sessions(0)
    actions[b, t] = bad
    loss = _compiled(qlearning, 1, True)
    with pytest.raises(ValueError, match=r"`actions` must hold action ids in \[0, %i\) for "
                                         r"n_actions = %i, got %i %s" % (A, A, bad,
                                                                         _position(b, t))):
        loss(qvalues, actions, rewards, np.ones((B, T_)), np.zeros((B, T_)))
