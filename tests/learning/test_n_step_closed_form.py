"""The scan-free n-step reference against the backward scan and the numpy loop.

``get_n_step_value_reference`` unrolls the recursion when the number of
backward steps is a Python int while building the graph (an int ``n_steps``,
or ``n_steps=None`` with the tick count declared by ``specify_shape``) and
scans otherwise; ``MAX_UNROLLED_STEPS = 0`` forces the scan. Each compiled
function here holds every ``n_steps`` case of one configuration, both paths,
and their gradients, so the whole grid costs four compiles.
"""
import functools
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.learning import generic, qlearning
from agentnet.learning.generic import get_n_step_value_reference
from agentnet.utils._runtime_check import RuntimeCheck
from tests.numpy_reference import n_step_reference, random_sessions

B, T_ = 3, 7
N_STEPS_CASES = [1, 2, 3, T_ - 1, T_, T_ + 1, None]
PATHS = ("unrolled", "scan")


def _has_scan(outputs):
    inputs = theano.gof.graph.inputs(outputs)
    return any(isinstance(node.op, theano.scan_module.scan_op.Scan)
               for node in theano.gof.graph.io_toposort(inputs, outputs))


def _reference(path, values, rewards, alive, truncated, after, gamma, n_steps, crop_last,
               end_at_tmax):
    """The public reference, built on the requested path (``force_n_step`` keeps n=1 general)."""
    limit = generic.MAX_UNROLLED_STEPS if path == "unrolled" else 0
    saved, generic.MAX_UNROLLED_STEPS = generic.MAX_UNROLLED_STEPS, limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", generic.UnbootstrappedTicksWarning)
            reference = get_n_step_value_reference(
                T.specify_shape(values, (values.shape[0], T_)), rewards, alive, n_steps, gamma,
                crop_last, after, end_at_tmax, force_n_step=True, is_truncated=truncated)
    finally:
        generic.MAX_UNROLLED_STEPS = saved
    assert _has_scan([reference]) == (path == "scan")
    return reference


@functools.lru_cache(maxsize=None)
def all_references(per_tick_gamma, crop_last, end_at_tmax):
    """Compiled: inputs -> [reference and its gradients wrt values and rewards] per case."""
    values, rewards, alive, truncated, after, weights = T.matrices(6)
    gamma = T.matrix("gamma") if per_tick_gamma else T.scalar("gamma")
    outputs = []
    for n_steps in N_STEPS_CASES:
        for path in PATHS:
            reference = _reference(path, values, rewards, alive, truncated, after, gamma,
                                   n_steps, crop_last, end_at_tmax)
            outputs += [reference] + theano.grad((reference * weights).sum(), [values, rewards])
    inputs = [values, rewards, alive, truncated, after, gamma, weights]
    return theano.function(inputs, outputs, allow_input_downcast=True)


def sessions(seed, truncate, per_tick_gamma):
    """Random sessions with early ends, optional time-limit ends and a discount."""
    rng = np.random.RandomState(seed)
    _, _, rewards, alive = random_sessions(rng, B, T_)
    truncated = np.zeros((B, T_))
    if truncate:
        for b in range(B):
            last_alive = int(alive[b].sum()) - 1
            truncated[b, last_alive] = alive[b, min(last_alive + 1, T_ - 1)] == 0
    gamma = rng.uniform(0.5, 1.0, size=(B, T_)) if per_tick_gamma else 0.9
    return dict(values=rng.randn(B, T_), rewards=rewards, alive=alive, truncated=truncated,
                after=rng.randn(B, 1), gamma=gamma, weights=rng.randn(B, T_))


def computed(case, per_tick_gamma, crop_last, end_at_tmax, n_steps):
    """{path: (reference, d/d values, d/d rewards)} for one n_steps."""
    function = all_references(per_tick_gamma, crop_last, end_at_tmax)
    results = function(*[case[k] for k in ("values", "rewards", "alive", "truncated", "after",
                                           "gamma", "weights")])
    start = 3 * len(PATHS) * N_STEPS_CASES.index(n_steps)
    return {path: results[start + 3 * i:start + 3 * i + 3] for i, path in enumerate(PATHS)}


# every pair of (gamma kind, crop_last, end_at_tmax) values occurs once (a half factorial:
# each compiled function costs seconds); truncation is data and runs with each
CONFIGURATIONS = [(per_tick, crop, per_tick == crop, truncate)
                  for per_tick in (False, True) for crop in (True, False)
                  for truncate in (False, True)]


def _configuration_id(configuration):
    per_tick, crop, tmax, truncate = configuration
    return "-".join(["per-tick-gamma" if per_tick else "scalar-gamma",
                     "crop" if crop else "nocrop", "end-at-tmax" if tmax else "open-end",
                     "truncation" if truncate else "no-truncation"])


@pytest.mark.numerics
@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=_configuration_id)
@pytest.mark.parametrize("n_steps", N_STEPS_CASES, ids=lambda n: "n=%s" % n)
def test_unrolled_equals_scan_and_numpy(n_steps, configuration):
    per_tick, crop_last, end_at_tmax, truncate = configuration
    case = sessions(11, truncate, per_tick)
    got = computed(case, per_tick, crop_last, end_at_tmax, n_steps)
    expected = n_step_reference(case["values"], case["rewards"], case["alive"], n_steps,
                                case["gamma"], crop_last, case["after"], end_at_tmax,
                                case["truncated"])
    np.testing.assert_allclose(got["unrolled"][0], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["unrolled"][0], got["scan"][0], rtol=1e-6, atol=1e-6)


@pytest.mark.numerics
@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=_configuration_id)
@pytest.mark.parametrize("n_steps", N_STEPS_CASES, ids=lambda n: "n=%s" % n)
def test_unrolled_gradients_equal_scan_gradients(n_steps, configuration):
    per_tick, crop_last, end_at_tmax, truncate = configuration
    got = computed(sessions(5, truncate, per_tick), per_tick, crop_last, end_at_tmax, n_steps)
    assert np.abs(got["scan"][2]).sum() > 0  # every reward reaches some reference
    for unrolled, scanned in zip(got["unrolled"][1:], got["scan"][1:]):
        np.testing.assert_allclose(unrolled, scanned, rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_values_gradient_has_the_closed_form():
    """dR_t / dV_{t+1} = gamma exactly where tick t bootstraps (gamma 0.5, n=2, no crop)."""
    values, rewards = T.matrices("values", "rewards")
    reference = get_n_step_value_reference(values, rewards, n_steps=2, gamma_or_gammas=0.5,
                                           crop_last=False)
    grad = theano.function([values, rewards], theano.grad(reference[0, 2], values),
                           allow_input_downcast=True)(np.zeros((1, 6)), np.zeros((1, 6)))
    # bootstrap ticks of a 6-tick window with n=2: 5, 3, 1; tick 2 continues to 3
    np.testing.assert_allclose(grad, [[0, 0, 0, 0, 0.25, 0]])


@pytest.mark.parametrize("n_steps, n_ticks, expected", [
    (3, None, 3), (3, 2, 2), (None, 7, 7), (None, None, None), (17, None, None),
    (17, 5, 5), (T.iscalar(), 5, None)],
    ids=["int", "int-above-T", "none-known-T", "none-symbolic-T", "above-limit",
         "above-limit-short-window", "symbolic-n"])
def test_unroll_rule(n_steps, n_ticks, expected):
    assert generic.MAX_UNROLLED_STEPS == 16
    assert generic._unrolled_steps(n_steps, n_ticks) == expected


@pytest.mark.filterwarnings("ignore::agentnet.learning.generic.UnbootstrappedTicksWarning")
def test_integer_n_steps_builds_no_scan_and_none_scans_unless_ticks_are_known():
    values, rewards = T.matrices("values", "rewards")
    assert not _has_scan([get_n_step_value_reference(values, rewards, n_steps=3)])
    assert _has_scan([get_n_step_value_reference(values, rewards, n_steps=None)])
    declared = T.specify_shape(rewards, (rewards.shape[0], 5))
    assert not _has_scan([get_n_step_value_reference(values, declared, n_steps=None)])


def _optimized_checks(objective_kwargs):
    """RuntimeCheck nodes left in a Q-learning loss compiled with the full optimizer."""
    q, actions, rewards, alive = T.tensor3("q"), T.imatrix("actions"), T.matrix("r"), T.matrix()
    loss = qlearning.get_elementwise_objective(q, actions, rewards, alive, **objective_kwargs)
    mode = theano.compile.mode.Mode(linker="py", optimizer="fast_run")
    function = theano.function([q, actions, rewards, alive], loss, mode=mode)
    return [node for node in function.maker.fgraph.toposort()
            if isinstance(node.op, RuntimeCheck)]


@pytest.mark.parametrize("n_steps", [1, 2])
def test_reference_does_not_check_the_objective_s_checked_tensors_again(n_steps):
    """Q-learning gates its 4 session tensors (and the action ids and is_alive's values); the
    reference's 3 gates compare sizes the optimizer knows to be equal, and are removed, and it
    does not check is_alive's values again."""
    checks = [node.op.find_error for node in _optimized_checks(dict(n_steps=n_steps))]
    session_checks = [c for c in checks if hasattr(c, "names")]
    assert len(session_checks) == 4
    assert {c.names for c in session_checks} == {("qvalues", "actions", "rewards", "is_alive")}
    # the action-id range of get_values_for_actions and is_alive's values, once
    assert sorted(type(c).__name__ for c in checks if not hasattr(c, "names")) == [
        "_ActionIdRange", "_FlagValues"]
