"""Wrongly wired graphs and arguments fail with named errors before anything compiles."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import (DenseLayer, DropoutLayer, ElemwiseSumLayer, InputLayer, SliceLayer,
                            get_output)

from agentnet.agent import Agent, Recurrence
from agentnet.environment import SessionBatchEnvironment
from agentnet.memory import CounterLayer
from tests.agent.conftest import CounterEnvironment, build_agent


@pytest.fixture(autouse=True)
def no_compile(monkeypatch):
    """Every error here must come before ``theano.function`` is reached."""
    def refuse(*args, **kwargs):
        raise AssertionError("theano.function was called before the error was raised")
    monkeypatch.setattr(theano, "function", refuse)


def _graph():
    """h = Dense(x, 4) + Dense(h_prev, 4) for x [batch, 3], h_prev [batch, 4]."""
    x = InputLayer((None, 3), name="x")
    h_prev = InputLayer((None, 4), name="h_prev")
    h = ElemwiseSumLayer([DenseLayer(x, 4), DenseLayer(h_prev, 4)], name="h")
    return x, h_prev, h


def _recurrence_cases():
    x, h_prev, h = _graph()
    seq = InputLayer((None, 5, 3), name="seq")
    stray = InputLayer((None, 3), name="stray")
    wide = InputLayer((None, 7), name="wide")
    init = InputLayer((None, 4), name="init")
    closed = dict(input_sequences={x: seq})
    return [
        ("prev-not-input", dict(state_variables={h: DenseLayer(x, 4)}, **closed),
         TypeError, "previous value of state ElemwiseSumLayer 'h' must be a lasagne InputLayer"),
        ("prev-not-layer", dict(state_variables={h: "h_prev"}, **closed),
         TypeError, "every value of `state_variables` must be a lasagne layer, got str"),
        ("key-not-layer", dict(state_variables={"h": h_prev}, **closed),
         TypeError, "every key of `state_variables` must be a lasagne layer, got str"),
        ("states-not-dict", dict(state_variables=[h, h_prev], **closed),
         TypeError, r"`state_variables` must be a dict \{one-tick layer: layer\}, got list"),
        ("shapes-differ", dict(state_variables={h: wide}, **closed),
         ValueError, r"state .*'h' vs its previous-state layer .*: shapes differ, "
                     r"\(None, 4\) vs \(None, 7\)"),
        ("shared-prev-state", dict(state_variables={h: h_prev, DenseLayer(h, 4): h_prev},
                                   **closed),
         ValueError, "'h_prev' is the previous-state layer of several states"),
        ("sequence-not-in-graph", dict(state_variables={h: h_prev},
                                       input_sequences={x: seq, stray: seq}),
         ValueError, "'stray' is given as an input .* not part of the one-tick graph"),
        ("sequence-ndim", dict(state_variables={h: h_prev},
                               input_sequences={x: InputLayer((None,), name="flat")}),
         ValueError, r"outer layer InputLayer 'flat' must have shape \[batch, time, ...\], "
                     r"got \(None,\)"),
        ("sequence-shape", dict(state_variables={h: h_prev},
                                input_sequences={x: InputLayer((None, 5, 2))}),
         ValueError, r"input_sequences: .*'x' vs one tick .* \(None, 3\) vs \(None, 2\)"),
        ("sequence-too-short", dict(state_variables={h: h_prev}, n_steps=9, **closed),
         ValueError, "'seq' has 5 ticks but n_steps=9"),
        ("nonsequence-shape", dict(state_variables={h: h_prev}, n_steps=2,
                                   input_nonsequences={x: InputLayer((None, 2))}),
         ValueError, r"input_nonsequences: .*'x' vs .* \(None, 3\) vs \(None, 2\)"),
        ("no-n-steps", dict(state_variables={h: h_prev}, input_nonsequences={x: stray}),
         ValueError, "needs `n_steps`: it cannot be inferred without input_sequences"),
        ("symbolic-n-steps-unrolled", dict(state_variables={h: h_prev}, n_steps=T.iscalar(),
                                           input_nonsequences={x: stray}),
         ValueError, "a symbolic `n_steps` needs unroll_scan=False"),
        ("misspelled-keyword", dict(state_variables={h: h_prev}, n_step=3),
         TypeError, "unexpected keyword argument 'n_step'; did you mean 'n_steps'"),
        ("delayed-not-state", dict(state_variables={h: h_prev}, delayed_states=[x], **closed),
         ValueError, "`delayed_states` contains InputLayer 'x', which is not a key of "
                     "`state_variables`"),
        ("state-init-length", dict(state_variables={h: h_prev}, state_init=[init, init],
                                   **closed),
         ValueError, r"`state_init` as a list must have one entry per state \(1\), got 2"),
        ("state-init-key", dict(state_variables={h: h_prev}, state_init={x: init}, **closed),
         ValueError, "`state_init` key InputLayer 'x' is not a key of `state_variables`"),
        ("state-init-shape", dict(state_variables={h: h_prev}, state_init={h: wide}, **closed),
         ValueError, r"state_init: state .*'h' vs InputLayer 'wide': shapes differ"),
        ("state-init-string", dict(state_variables={h: h_prev}, state_init="ones", **closed),
         ValueError, "`state_init` must be 'zeros', a dict or a list, got 'ones'"),
        ("unclosed-graph", dict(state_variables={h: h_prev}, n_steps=2, batch_size=1),
         ValueError, "InputLayer 'x' is an input of the one-tick graph but is neither"),
        ("no-batch-size", dict(state_variables={h: h_prev}, n_steps=2, verify_graph=False),
         ValueError, "no outer input to take the batch size from; pass `batch_size`"),
        ("mask-not-layer", dict(state_variables={h: h_prev}, mask_input=np.ones((2, 5)),
                                **closed),
         TypeError, r"`mask_input` must be None or a lasagne layer \[batch, time\], got ndarray"),
        ("tracked-not-layer", dict(state_variables={h: h_prev}, tracked_outputs=[h, "q"],
                                   **closed),
         TypeError, "`tracked_outputs` must contain lasagne layers, got str"),
    ]


RECURRENCE_CASES = _recurrence_cases()


@pytest.mark.parametrize("kwargs, error, message", [c[1:] for c in RECURRENCE_CASES],
                         ids=[c[0] for c in RECURRENCE_CASES])
def test_recurrence_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        Recurrence(**kwargs)


def test_dtype_mismatch_raises_at_get_output_and_force_cast_fixes_it():
    prev = InputLayer((None,), name="count_prev")
    half = ElemwiseSumLayer([CounterLayer(prev)] * 2, coeffs=0.5, name="half")
    half.output_dtype = "int32"  # declared int32, but the sum is float
    rec = Recurrence(state_variables={half: prev}, n_steps=3, batch_size=2)
    with pytest.raises(ValueError, match="'half' has type .*float.* but its previous value has "
                                         "type .*int32.* force_cast_types=True"):
        get_output(rec[half])
    fixed = Recurrence(state_variables={half: prev}, n_steps=3, batch_size=2,
                       force_cast_types=True)
    assert get_output(fixed[half]).dtype == "int32"


def test_nested_scan_with_randomness_is_refused():
    """A theano.scan recurrence cannot carry the updates of a random inner scan."""
    x, inner_x, acc_prev = InputLayer((None, 3), name="x"), InputLayer((None, 3)), \
        InputLayer((None, 3))
    acc = ElemwiseSumLayer([acc_prev, DropoutLayer(inner_x, 0.5)])
    inner = Recurrence(input_nonsequences={inner_x: x}, state_variables={acc: acc_prev},
                       n_steps=2, unroll_scan=False, name="inner")
    h_prev = InputLayer((None, 3))
    h = ElemwiseSumLayer([h_prev, SliceLayer(inner[acc], -1, axis=1)])
    outer = Recurrence(input_sequences={x: InputLayer((None, 4, 3))},
                       state_variables={h: h_prev}, unroll_scan=False, name="outer")
    get_output(outer[h])
    with pytest.raises(ValueError, match="outer .* contains Recurrence 'inner', which has "
                                         "automatic updates of its own"):
        outer.get_automatic_updates()


def _agent_cases():
    x, h_prev, h = _graph()
    q = DenseLayer(h, 3)
    env = CounterEnvironment()
    agent = build_agent()
    memory = list(agent.agent_states)[0]
    five_wide = build_agent(observation_size=5)
    batch = SessionBatchEnvironment(T.tensor3(), [(3,)], [T.imatrix(), T.imatrix()],
                                    single_action_shapes=[(), ()])
    return [
        ("observation-not-input", lambda: Agent(DenseLayer(x, 3), {h: h_prev}, q),
         TypeError, "`observation_layers` must be a lasagne InputLayer .* got DenseLayer"),
        ("memory-prev-not-input", lambda: Agent(x, {h: DenseLayer(x, 4)}, q),
         TypeError, "previous value of state ElemwiseSumLayer 'h' must be a lasagne InputLayer"),
        ("misspelled-agent-keyword", lambda: Agent(x, {h: h_prev}, policy_estimator=q),
         TypeError, "did you mean 'policy_estimators'"),
        ("observation-shape", lambda: five_wide.get_sessions(env, 2, batch_size=1),
         ValueError, r"'observation' has shape \(None, 5\) but the environment's observation "
                     r"has shape \(None, 3\)"),
        ("observation-count", lambda: Agent([InputLayer((None, 3)), InputLayer((None, 3))],
                                            {}, [], []).get_sessions(env, 2, batch_size=1),
         ValueError, "the environment has 1 observations but the agent has 2"),
        ("misspelled-sessions-keyword",
         lambda: agent.get_sessions(env, sesion_length=3),
         TypeError, "unexpected keyword argument 'sesion_length'; did you mean 'session_length'"),
        ("output-flag-in-sessions",
         lambda: agent.get_sessions(env, 3, batch_size=1, deterministic=True),
         TypeError, "unexpected keyword argument 'deterministic'"),
        ("replay-without-records", lambda: agent.get_sessions(env, 2, experience_replay=True),
         ValueError, "experience_replay=True needs an environment with `observations` and "
                     "`actions`.*got CounterEnvironment"),
        ("replay-record-count", lambda: agent.get_sessions(batch, 2, experience_replay=True),
         ValueError, "stores 1 observations and 2 actions; the agent has 1 observation and 1 "
                     "action layers"),
        ("initial-hidden-length",
         lambda: agent.get_sessions(env, 2, batch_size=1, initial_hidden=[None, None]),
         ValueError, "`initial_hidden` must have 1 entries, got 2"),
        ("initial-hidden-ndim",
         lambda: agent.get_sessions(env, 2, initial_hidden={memory: T.tensor3()}),
         ValueError, r"value for .*'memory' must be a layer or a tensor of ndim 2 \(None, 4\)"),
        ("initial-hidden-layer-shape",
         lambda: agent.get_sessions(env, 2, initial_hidden=[InputLayer((None, 5))]),
         ValueError, r"value for .*'memory' must have shape \(None, 4\), got \(None, 5\)"),
        ("initial-env-states-key",
         lambda: agent.get_sessions(env, 2, batch_size=1, initial_env_states={memory: None}),
         ValueError, "`initial_env_states` key .*'memory' is not one of the layers"),
        ("updates-before-sessions", lambda: build_agent().get_automatic_updates(),
         ValueError, "call get_sessions first"),
    ]


AGENT_CASES = _agent_cases()


@pytest.mark.parametrize("build, error, message", [c[1:] for c in AGENT_CASES],
                         ids=[c[0] for c in AGENT_CASES])
def test_agent_bad_input(build, error, message):
    with pytest.raises(error, match=message):
        build()
