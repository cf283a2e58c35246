"""Bad scalars, data ranges and argument types of the learning API, named before compiling.

Each case is one distinct check: the call raises with a message naming the
argument, what it must be and what was given. Arrays of data (action ids,
masks) given as numpy arrays are checked in Python, when the graph is built;
the same data given symbolically is checked when the compiled function runs
(see test_mask_properties.py and tests/utils/test_runtime_errors.py).
The last section keeps behaviours that scripts written for the original
AgentNet rely on.
"""
import functools
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer

from agentnet.learning import a2c, dpg, qlearning, reinforce, sarsa
from agentnet.learning.generic import (get_end_indicator, get_mask_by_eos,
                                       get_n_step_value_reference, get_values_for_actions)
from agentnet.learning.losses import huber_loss
from agentnet.learning.qlearning_naf import (LowerTriangularLayer, NAFLayer,
                                             build_NAF_controller, diag_to_tril_size)

with warnings.catch_warnings():
    # importing it warns about its coming update
    warnings.simplefilter("ignore")
    from agentnet.learning import qlearning_opt_tightening

B, T_, A = 2, 3, 4
floatX = theano.config.floatX


def _arrays(**changes):
    """Valid numpy sessions (qvalues, actions, rewards, is_alive), some entries overridden."""
    data = dict(qvalues=np.zeros((B, T_, A), floatX), actions=np.zeros((B, T_), "int32"),
                rewards=np.zeros((B, T_), floatX), is_alive=np.ones((B, T_), floatX))
    for name, (index, value) in changes.items():
        data[name][index] = value
    return data


def _symbolic():
    return dict(qvalues=T.tensor3("q"), actions=T.imatrix("a"), rewards=T.matrix("r"),
                is_alive=T.matrix("alive"))


def _qlearning(**kwargs):
    return qlearning.get_elementwise_objective(**dict(_symbolic(), **kwargs))


def _naf_input():
    return InputLayer((None, 5), name="features")


CASES = {
    # ---- data ranges, numpy arrays checked while building the graph
    "negative-action-id": (
        lambda: qlearning.get_elementwise_objective(**_arrays(actions=((1, 2), -1))),
        ValueError, r"`actions` must hold action ids in \[0, 4\) for n_actions = 4, got -1 at "
                    r"\[1, 2\] \(1 of 6 ids outside\)"),
    "action-id-equal-to-n_actions": (
        lambda: sarsa.get_elementwise_objective(**_arrays(actions=((0, 1), 4))),
        ValueError, r"`actions` must hold action ids in \[0, 4\) .*got 4 at \[0, 1\]"),
    "negative-id-with-unknown-n_actions": (
        lambda: get_values_for_actions(T.tensor3(), -np.ones((B, T_), "int32")),
        ValueError, r"`actions` must hold action ids >= 0, got -1 at \[0, 0\] \(6 of 6"),
    "is_alive-2": (
        lambda: qlearning.get_elementwise_objective(**_arrays(is_alive=((0, 1), 2))),
        ValueError, r"`is_alive` must hold only 0 and 1, got 2.0 at \[0, 1\] \(1 of 6 values\)"),
    "is_truncated-half": (
        lambda: get_n_step_value_reference(np.zeros((B, T_)), np.zeros((B, T_)), n_steps=2,
                                           is_truncated=np.full((B, T_), 0.5)),
        ValueError, r"`is_truncated` must hold only 0 and 1, got 0.5 at \[0, 0\]"),
    "end-indicator-of-non-flags": (
        lambda: get_end_indicator(np.array([[1, 2, 0]])),
        ValueError, r"`is_alive` must hold only 0 and 1, got 2 at \[0, 1\]"),
    "end-indicator-1d": (
        lambda: get_end_indicator(T.vector()),
        ValueError, r"`is_alive` must have ndim 2 \[batch, tick\], got ndim 1"),
    "a2c-is_alive-negative": (
        lambda: a2c.get_elementwise_objective(np.ones((B, T_, A), floatX), np.zeros((B, T_)),
                                              np.zeros((B, T_), "int32"), np.zeros((B, T_)),
                                              -np.ones((B, T_))),
        ValueError, r"`is_alive` must hold only 0 and 1, got -1.0 at \[0, 0\]"),
    # ---- scalars
    "huber-delta-negative": (
        lambda: huber_loss(T.vector(), T.vector(), delta=-1),
        ValueError, r"`delta` must be a finite real number in \(0, inf\), got -1"),
    "huber-delta-zero": (
        lambda: huber_loss(T.vector(), T.vector(), delta=0),
        ValueError, r"`delta` must be a finite real number in \(0, inf\), got 0"),
    "huber-delta-string": (
        lambda: huber_loss(T.vector(), T.vector(), delta="1"),
        TypeError, r"`delta` must be a real number in \(0, inf\), got '1' \(str\)"),
    "gamma-string": (
        lambda: _qlearning(gamma_or_gammas="0.99"),
        TypeError, r"`gamma_or_gammas` must be a discount in \[0, 1\] .*got '0.99' \(str\)"),
    "gamma-bool": (
        lambda: _qlearning(gamma_or_gammas=True),
        TypeError, r"`gamma_or_gammas` must be a discount in \[0, 1\] .*got True \(bool\)"),
    "gamma-none": (
        lambda: get_n_step_value_reference(T.matrix(), T.matrix(), gamma_or_gammas=None),
        TypeError, r"`gamma_or_gammas` must be a discount .*got None"),
    "opt-tightening-n_steps-float": (
        lambda: qlearning_opt_tightening.get_elementwise_objective(
            T.tensor3(), T.imatrix(), T.matrix(), 2.5),
        TypeError, r"`n_steps` must be an int >= 1 \(the number of look-ahead bounds\), "
                   r"got 2.5"),
    "opt-tightening-n_steps-zero": (
        lambda: qlearning_opt_tightening.get_elementwise_objective(
            T.tensor3(), T.imatrix(), T.matrix(), 0),
        ValueError, r"`n_steps` must be an int >= 1 .*got 0"),
    "opt-tightening-lambda-negative": (
        lambda: qlearning_opt_tightening.get_elementwise_objective(
            T.tensor3(), T.imatrix(), T.matrix(), 2, lambda_constr=-1.0),
        ValueError, r"`lambda_constr` must be a finite real number in \[0, inf\), got -1.0"),
    "symbolic-float-n_steps": (
        lambda: _qlearning(n_steps=T.scalar("n")),
        TypeError, r"`n_steps` must be an int >= 1 .*or a symbolic integer scalar, got a "
                   r"symbolic float"),
    # ---- flags and callables
    "qlearning-crop_last-string": (
        lambda: _qlearning(crop_last="False"),
        TypeError, r"`crop_last` must be True or False, got 'False' \(str\)"),
    "qlearning-return_reference-2": (
        lambda: _qlearning(return_reference=2),
        TypeError, r"`return_reference` must be True or False, got 2 \(int\)"),
    "a2c-return_separate-none": (
        lambda: a2c.get_elementwise_objective(T.tensor3(), T.matrix(), T.imatrix(), T.matrix(),
                                              return_separate=None),
        TypeError, r"`return_separate` must be True or False, got None"),
    "reinforce-treat_policy_as_logpolicy-string": (
        lambda: reinforce.get_elementwise_objective(T.tensor3(), T.imatrix(), T.matrix(),
                                                    treat_policy_as_logpolicy="yes"),
        TypeError, r"`treat_policy_as_logpolicy` must be True or False, got 'yes'"),
    "end-indicator-force_end_at_t_max-string": (
        lambda: get_end_indicator(T.matrix(), force_end_at_t_max="yes"),
        TypeError, r"`force_end_at_t_max` must be True or False"),
    "reference-force_n_step-float": (
        lambda: get_n_step_value_reference(T.matrix(), T.matrix(), force_n_step=1.0),
        TypeError, r"`force_n_step` must be True or False, got 1.0 \(float\)"),
    "dpg-loss_function-string": (
        lambda: dpg.get_elementwise_objective_critic(T.matrix(), T.matrix(), T.matrix(),
                                                     loss_function="huber"),
        TypeError, r"`loss_function` must be callable, got 'huber' \(str\)"),
    # ---- tensors
    "qvalues-string": (
        lambda: qlearning.get_elementwise_objective("q", T.imatrix(), T.matrix()),
        TypeError, r"`qvalues` must be a tensor or a numpy array, got str \('q'\)"),
    "rewards-list": (
        lambda: _qlearning(rewards=[[0.0, 1.0]]),
        TypeError, r"`rewards` must be a tensor or a numpy array, got list"),
    "eos-string": (
        lambda: get_mask_by_eos("eos"),
        TypeError, r"`is_eos` must be a tensor or a numpy array, got str"),
    "values-after-end-3d": (
        lambda: get_n_step_value_reference(T.matrix(), T.matrix(), n_steps=2,
                                           state_values_after_end=T.tensor3()),
        ValueError, r"`state_values_after_end` must have ndim 1 or ndim 2 \[batch, tick\], "
                    r"got ndim 3"),
    "qlearning-target-after-end-misspelled": (
        lambda: _qlearning(state_values_target_after_end="zero"),
        ValueError, r"`state_values_target_after_end` must be a tensor or 'zeros', got 'zero'"),
    "reinforce-baseline-1d": (
        lambda: reinforce.get_elementwise_objective(T.tensor3(), T.imatrix(), T.matrix(),
                                                    baseline=T.vector()),
        ValueError, r"`baseline` must have ndim 0 or ndim 2 \[batch, tick\], got ndim 1"),
    "reinforce-baseline-sizes": (
        lambda: reinforce.get_elementwise_objective(np.ones((B, T_, A), floatX),
                                                    np.zeros((B, T_), "int32"),
                                                    np.zeros((B, T_), floatX),
                                                    baseline=np.zeros((B, T_ + 1), floatX)),
        ValueError, r"`policy` and `baseline` must agree on \[batch, tick\]: `policy` is "
                    r"\[2, 3\], `baseline` is \[2, 4\]"),
    # ---- NAF layers and sizes
    "naf-input-numpy": (
        lambda: build_NAF_controller(np.zeros((3, 5))),
        TypeError, r"`input_layer` must be a lasagne layer, got ndarray"),
    "naf-action_dimensions-zero": (
        lambda: build_NAF_controller(_naf_input(), action_dimensions=0),
        ValueError, r"`action_dimensions` must be an int >= 1, got 0"),
    "naf-action_dimensions-float": (
        lambda: build_NAF_controller(_naf_input(), action_dimensions=2.5),
        TypeError, r"`action_dimensions` must be an int >= 1, got 2.5 \(float\)"),
    "naf-exploration-negative": (
        lambda: build_NAF_controller(_naf_input(), exploration=-0.1),
        ValueError, r"`exploration` must be a finite real number in \[0, inf\), got -0.1"),
    "naf-exploration-dense-layer": (
        lambda: build_NAF_controller(_naf_input(), exploration=DenseLayer(_naf_input(), 1)),
        TypeError, r"`exploration` must be a noise sigma >= 0 or an InputLayer, got a DenseLayer"),
    "naf-additive_exploration-string": (
        lambda: build_NAF_controller(_naf_input(), additive_exploration="no"),
        TypeError, r"`additive_exploration` must be True or False, got 'no'"),
    "naf-low-above-high": (
        lambda: build_NAF_controller(_naf_input(), action_low=1, action_high=-1),
        ValueError, r"`action_low` must be below `action_high`, got 1 and -1"),
    "naf-low-equal-high-in-one-dimension": (
        lambda: build_NAF_controller(_naf_input(), action_dimensions=2,
                                     action_low=np.array([0, 1]), action_high=np.array([1, 1])),
        ValueError, r"`action_low` must be below `action_high`"),
    "naf-bound-string": (
        lambda: build_NAF_controller(_naf_input(), action_high="1"),
        TypeError, r"`action_high` must be a number or a \[1\] array \(infinities allowed\), "
                   r"got '1'"),
    "naf-bound-nan": (
        lambda: build_NAF_controller(_naf_input(), action_low=float("nan")),
        TypeError, r"`action_low` must be a number or a \[1\] array"),
    "naf-bound-wrong-length": (
        lambda: build_NAF_controller(_naf_input(), action_dimensions=2,
                                     action_high=np.ones(3)),
        ValueError, r"`action_high` must have shape \(2,\) \(action_dimensions\), got \(3,\)"),
    "naf-V_layer-numpy": (
        lambda: build_NAF_controller(_naf_input(), V_layer=np.zeros((3, 1))),
        TypeError, r"`V_layer` must be a lasagne layer, got ndarray"),
    "lower-triangular-matrix_diag-zero": (
        lambda: LowerTriangularLayer(_naf_input(), matrix_diag=0),
        ValueError, r"`matrix_diag` must be an int >= 1, got 0"),
    "lower-triangular-incoming-numpy": (
        lambda: LowerTriangularLayer(np.zeros((3, 6))),
        TypeError, r"`incoming` must be a lasagne layer, got ndarray"),
    "naf-layer-L-2d": (
        lambda: NAFLayer(InputLayer((None, 2)), InputLayer((None, 2)), InputLayer((None, 3))),
        ValueError, r"`L_layer` must have ndim 3 \[batch, action_dims, action_dims\], got shape "
                    r"\(None, 3\)"),
    "naf-layer-action-numpy": (
        lambda: NAFLayer(np.zeros((3, 2)), InputLayer((None, 2)), InputLayer((None, 2, 2))),
        TypeError, r"`action_layer` must be a lasagne layer, got ndarray"),
    "tril-size-negative": (
        lambda: diag_to_tril_size(-1),
        ValueError, r"`diag` must be an int >= 0, got -1"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_argument_is_named_before_compiling(case):
    build, error, message = CASES[case]
    with pytest.raises(error, match=message):
        build()


# ------------------------------------------------------------------ the original's behaviours

@functools.lru_cache(maxsize=None)
def _loss_with_flags_as_ints():
    """Scripts for the original pass flags as 0/1; they keep working (and mean the same)."""
    s = _symbolic()
    as_ints = qlearning.get_elementwise_objective(crop_last=0, consider_reference_constant=1,
                                                  **s)
    as_bools = qlearning.get_elementwise_objective(crop_last=False, **s)
    return theano.function(list(s.values()), [as_ints, as_bools], allow_input_downcast=True)


def test_flags_given_as_0_and_1_mean_false_and_true():
    rng = np.random.RandomState(0)
    data = _arrays()
    data["qvalues"], data["rewards"] = rng.randn(B, T_, A), rng.randn(B, T_)
    as_ints, as_bools = _loss_with_flags_as_ints()(*data.values())
    np.testing.assert_array_equal(as_ints, as_bools)
    assert as_ints[:, -1].any()  # crop_last=0 really means no crop


def test_a_scalar_or_broadcastable_baseline_is_accepted_as_in_the_original():
    policy, actions, rewards = T.tensor3(), T.imatrix(), T.matrix()
    for baseline in (0.5, T.scalar(), T.TensorType(floatX, (False, True))(),
                     np.zeros((B, 1), floatX)):
        loss = reinforce.get_elementwise_objective(policy, actions, rewards, baseline=baseline)
        assert loss.ndim == 2


def test_infinite_default_bounds_and_a_symbolic_sigma_are_accepted_by_naf():
    heads = build_NAF_controller(_naf_input(), action_dimensions=2,
                                 exploration=theano.shared(np.float32(0.1)),
                                 action_low=-np.inf, action_high=np.array([1.0, np.inf]))
    assert heads["action_qvalues"].output_shape == (None, 1)


def test_valid_numpy_data_builds_without_a_run_time_check():
    """Known action ids and masks are checked once, in Python: no gate is left in the graph."""
    from agentnet.utils._runtime_check import RuntimeCheck
    data = _arrays(actions=((1, 2), A - 1), is_alive=((0, 2), 0))
    loss = qlearning.get_elementwise_objective(**data)
    nodes = theano.gof.graph.io_toposort([], [loss])
    assert not [n for n in nodes if isinstance(n.op, RuntimeCheck)]
