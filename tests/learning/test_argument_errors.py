"""Bad inputs to the learning objectives: named errors, before compiling when Theano can tell.

Shapes Theano does not know while building the graph ([batch, tick] sizes of
symbolic inputs, a symbolic ``n_steps`` or discount) are checked when the
compiled function runs; those tests compile one tiny function each.
"""
import functools
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.learning import a2c, dpg, qlearning, reinforce, sarsa
from agentnet.learning.generic import get_n_step_value_reference, get_values_for_actions

with warnings.catch_warnings():
    # importing it warns about its coming update
    warnings.simplefilter("ignore")
    from agentnet.learning import qlearning_opt_tightening

B, T_, A = 2, 3, 4
floatX = theano.config.floatX


# ------------------------------------------------------------------ ndim and dtype

def _symbolic():
    return dict(q=T.tensor3("q"), a=T.imatrix("a"), r=T.matrix("r"), alive=T.matrix("alive"),
                v=T.matrix("v"))


NDIM_CASES = {
    "qlearning-actions-3d": (
        lambda s: qlearning.get_elementwise_objective(s["q"], T.itensor3(), s["r"]),
        r"`actions` must have ndim 2 \[batch, tick\], got ndim 3"),
    "qlearning-actions-float": (
        lambda s: qlearning.get_elementwise_objective(s["q"], T.matrix(), s["r"]),
        r"`actions` must be an int tensor \[batch, tick\].*got dtype float"),
    "qlearning-qvalues_target-2d": (
        lambda s: qlearning.get_elementwise_objective(s["q"], s["a"], s["r"],
                                                      qvalues_target=s["v"]),
        r"`qvalues_target` must have ndim 3 \[batch, tick, n_actions\], got ndim 2"),
    "qlearning-is_truncated-1d": (
        lambda s: qlearning.get_elementwise_objective(s["q"], s["a"], s["r"],
                                                      is_truncated=T.vector()),
        r"`is_truncated` must have ndim 2 \[batch, tick\], got ndim 1"),
    "sarsa-is_alive-1d": (
        lambda s: sarsa.get_elementwise_objective(s["q"], s["a"], s["r"], T.vector()),
        r"`is_alive` must have ndim 2 \[batch, tick\], got ndim 1"),
    "sarsa-actions-1d": (
        lambda s: sarsa.get_elementwise_objective(s["q"], T.ivector(), s["r"]),
        r"`actions` must have ndim 2 \[batch, tick\], got ndim 1"),
    "a2c-rewards-3d": (
        lambda s: a2c.get_elementwise_objective(s["q"], s["v"], s["a"], T.tensor3()),
        r"`rewards` must have ndim 2 \[batch, tick\], got ndim 3"),
    "a2c-actions-float-with-3d-policy": (
        lambda s: a2c.get_elementwise_objective(s["q"], s["v"], T.matrix(), s["r"]),
        r"`actions` must be an int tensor"),
    "reinforce-actions-1d": (
        lambda s: reinforce.get_elementwise_objective(s["q"], T.ivector(), s["r"]),
        r"`actions` must have ndim 2 \[batch, tick\], got ndim 1"),
    "dpg-is_alive-3d": (
        lambda s: dpg.get_elementwise_objective_critic(s["v"], s["v"], s["r"], T.tensor3()),
        r"`is_alive` must have ndim 2 \[batch, tick\], got ndim 3"),
    "opt-tightening-actions-3d": (
        lambda s: qlearning_opt_tightening.get_elementwise_objective(s["q"], T.itensor3(),
                                                                     s["r"], 2),
        r"`actions` must have ndim 2 \[batch, tick\], got ndim 3"),
    "values-for-actions-2d": (
        lambda s: get_values_for_actions(s["v"], s["a"]),
        r"`values_for_all_actions` must have ndim 3 \[batch, tick, n_actions\], got ndim 2"),
}


@pytest.mark.parametrize("case", sorted(NDIM_CASES))
def test_wrong_ndim_or_dtype_names_the_argument_and_layout(case):
    build, message = NDIM_CASES[case]
    with pytest.raises(ValueError, match=message):
        build(_symbolic())


def test_float_actions_are_allowed_with_a_2d_policy():
    """A 2-D policy is already for the taken actions: they only give the shape."""
    loss = a2c.get_elementwise_objective(T.matrix(), T.matrix(), T.matrix(), T.matrix())
    assert loss.ndim == 2


# ------------------------------------------------------------------ [batch, tick] agreement

def test_sizes_known_while_building_disagree_before_compiling():
    qvalues, rewards = np.zeros((B, T_, A), floatX), np.zeros((B, T_), floatX)
    actions = np.zeros((B + 1, T_), "int32")
    with pytest.raises(ValueError, match=r"`qvalues` and `actions` must agree on \[batch, tick\]: "
                                         r"`qvalues` is \[2, 3\], `actions` is \[3, 3\]"):
        qlearning.get_elementwise_objective(qvalues, actions, rewards)


@functools.lru_cache(maxsize=None)
def _qlearning_loss():
    s = _symbolic()
    loss = qlearning.get_elementwise_objective(s["q"], s["a"], s["r"], s["alive"], n_steps=2)
    return theano.function([s["q"], s["a"], s["r"], s["alive"]], loss,
                           allow_input_downcast=True)


def _qlearning_inputs(**sizes):
    """Valid inputs, with the [batch, tick] sizes of some arguments overridden."""
    shape = {name: sizes.get(name, (B, T_)) for name in ("q", "a", "r", "alive")}
    return [np.zeros(shape["q"] + (A,), floatX), np.zeros(shape["a"], "int32"),
            np.ones(shape["r"], floatX), np.ones(shape["alive"], floatX)]


@pytest.mark.parametrize("sizes, message", [
    # more actions rows than qvalues rows: without the check, an index error deep inside
    (dict(a=(B + 1, T_)),
     r"`qvalues` and `actions` .* `qvalues` is \[2, 3\], `actions` is \[3, 3\]"),
    # fewer: without the check, the loss silently covers only the first session
    (dict(a=(B - 1, T_)), r"`qvalues` and `actions` .* `actions` is \[1, 3\]"),
    (dict(r=(B, T_ + 1)), r"`qvalues` and `rewards` .* `rewards` is \[2, 4\]"),
    (dict(alive=(B, T_ - 1)), r"`qvalues` and `is_alive` .* `is_alive` is \[2, 2\]"),
], ids=["actions-batch-larger", "actions-batch-smaller", "rewards-tick", "is_alive-tick"])
def test_symbolic_sizes_that_disagree_fail_at_run_time(sizes, message):
    loss = _qlearning_loss()
    assert loss(*_qlearning_inputs()).shape == (B, T_)
    with pytest.raises(ValueError, match=r"must agree on \[batch, tick\]"):
        loss(*_qlearning_inputs(**sizes))
    with pytest.raises(ValueError, match=message):
        loss(*_qlearning_inputs(**sizes))


def test_dpg_state_values_and_action_qvalues_must_agree_at_run_time():
    qvalues, values, rewards = T.matrices("qvalues", "values", "rewards")
    critic = theano.function([qvalues, values, rewards],
                             dpg.get_elementwise_objective_critic(qvalues, values, rewards),
                             allow_input_downcast=True)
    ok = np.zeros((B, T_), floatX)
    with pytest.raises(ValueError, match=r"`action_qvalues` and `state_values` must agree on "
                                         r"\[batch, tick\]: `action_qvalues` is \[2, 3\], "
                                         r"`state_values` is \[2, 4\]"):
        critic(ok, np.zeros((B, T_ + 1), floatX), ok)


# ------------------------------------------------------------------ gamma

@pytest.mark.parametrize("gamma", [1.5, -0.1, np.float32(1.01), float("nan"),
                                   np.array([0.9, 1.2])],
                         ids=["above-1", "negative", "numpy-scalar", "nan", "numpy-array"])
def test_numeric_gamma_outside_unit_interval(gamma):
    s = _symbolic()
    with pytest.raises(ValueError, match=r"`gamma_or_gammas` must lie in \[0, 1\]"):
        qlearning.get_elementwise_objective(s["q"], s["a"], s["r"], gamma_or_gammas=gamma)


@pytest.mark.parametrize("gamma", [0, 1, 1.0], ids=["zero", "int-one", "float-one"])
def test_gamma_on_the_bounds_is_accepted(gamma):
    s = _symbolic()
    assert get_n_step_value_reference(s["v"], s["r"], n_steps=2, gamma_or_gammas=gamma).ndim == 2


def test_opt_tightening_gamma_is_checked_under_its_own_name():
    s = _symbolic()
    with pytest.raises(ValueError, match=r"`gamma` must lie in \[0, 1\], got values in \[2, 2\]"):
        qlearning_opt_tightening.get_elementwise_objective(s["q"], s["a"], s["r"], 2, gamma=2.0)


def test_shared_gamma_is_checked_at_run_time():
    gamma = theano.shared(np.asarray(0.9, floatX))
    values, rewards = T.matrices("values", "rewards")
    reference = theano.function([values, rewards], get_n_step_value_reference(
        values, rewards, n_steps=2, gamma_or_gammas=gamma), allow_input_downcast=True)
    ok = np.ones((B, T_), floatX)
    reference(ok, ok)
    gamma.set_value(np.asarray(1.25, floatX))
    with pytest.raises(ValueError, match=r"`gamma_or_gammas` must lie in \[0, 1\], "
                                         r"got values in \[1.25, 1.25\]"):
        reference(ok, ok)


# ------------------------------------------------------------------ n_steps

@pytest.mark.parametrize("n_steps, error, message", [
    (0, ValueError, r"`n_steps` must be an int >= 1 \(or None: to the window's end\), got 0"),
    (-2, ValueError, r"`n_steps` must be an int >= 1 \(or None.*\), got -2"),
    (np.int64(0), ValueError, r"`n_steps` must be an int >= 1 \(or None.*\), got 0"),
    (2.0, TypeError, r"`n_steps` must be an int >= 1 \(or None.*\), got 2.0 \(float\)"),
    (True, TypeError, r"`n_steps` must be an int >= 1 \(or None.*\), got True \(bool\)"),
    ("all", TypeError, r"`n_steps` must be an int >= 1 .*got 'all' \(str\)"),
], ids=["zero", "negative", "numpy-zero", "float", "bool", "string"])
def test_bad_n_steps(n_steps, error, message):
    s = _symbolic()
    with pytest.raises(error, match=message):
        qlearning.get_elementwise_objective(s["q"], s["a"], s["r"], n_steps=n_steps)


def test_numpy_int_n_steps_is_an_int():
    """``numpy.int64(1)`` takes the one-step path like ``1`` (no scan in the graph)."""
    s = _symbolic()
    reference = get_n_step_value_reference(s["v"], s["r"], n_steps=np.int64(1))
    assert not any(isinstance(node.op, theano.scan_module.scan_op.Scan)
                   for node in theano.gof.graph.io_toposort([s["v"], s["r"]], [reference]))


@pytest.mark.parametrize("n_steps_advantage, message", [
    (0, r"`n_steps_advantage` must be an int >= 1 \(or None, or 'same'\), got 0"),
    ("sam", r"`n_steps_advantage` must be 'same', None, or an int >= 1, got 'sam'"),
], ids=["zero", "misspelled-sentinel"])
def test_a2c_n_steps_advantage_is_named(n_steps_advantage, message):
    s = _symbolic()
    with pytest.raises(ValueError, match=message):
        a2c.get_elementwise_objective(s["q"], s["v"], s["a"], s["r"],
                                      n_steps_advantage=n_steps_advantage)


def test_symbolic_n_steps_below_one_fails_at_run_time():
    values, rewards = T.matrices("values", "rewards")
    n_steps = T.iscalar("n_steps")
    reference = theano.function([values, rewards, n_steps], get_n_step_value_reference(
        values, rewards, n_steps=n_steps), allow_input_downcast=True)
    ok = np.ones((B, T_), floatX)
    assert reference(ok, ok, 2).shape == (B, T_)
    with pytest.raises(ValueError, match=r"`n_steps` must be >= 1, got 0"):
        reference(ok, ok, 0)
