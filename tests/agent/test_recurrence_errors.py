"""Wrongly wired graphs and arguments fail with named errors before anything compiles."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, ElemwiseSumLayer, InputLayer, get_output

from agentnet.agent import Agent, Recurrence
from agentnet.memory import CounterLayer
from agentnet.resolver import EpsilonGreedyResolver, GreedyResolver
from tests.agent.conftest import CounterEnvironment, build_agent


def _graph():
    x = InputLayer((None, 3), name="x")
    h_prev = InputLayer((None, 4), name="h_prev")
    h = ElemwiseSumLayer([DenseLayer(x, 4), DenseLayer(h_prev, 4)], name="h")
    return x, h_prev, h


def _cases():
    x, h_prev, h = _graph()
    seq = InputLayer((None, 5, 3), name="seq")
    stray = InputLayer((None, 3), name="stray")
    wide = InputLayer((None, 7), name="wide")
    return [
        ("prev-not-input", lambda: Recurrence(state_variables={h: DenseLayer(x, 4)}, n_steps=2,
                                              batch_size=1),
         TypeError, "must be a lasagne InputLayer"),
        ("shapes-differ", lambda: Recurrence(state_variables={h: wide}, n_steps=2, batch_size=1,
                                             input_nonsequences={x: stray}),
         ValueError, r"shapes differ, \(None, 4\) vs \(None, 7\)"),
        ("key-not-layer", lambda: Recurrence(state_variables={"h": h_prev}, n_steps=2),
         TypeError, "must be a lasagne layer"),
        ("sequence-not-in-graph", lambda: Recurrence(state_variables={h: h_prev},
                                                     input_sequences={x: seq, stray: seq}),
         ValueError, "'stray' .* not part of the one-tick graph"),
        ("no-n-steps", lambda: Recurrence(state_variables={h: h_prev},
                                          input_nonsequences={x: stray}),
         ValueError, "needs `n_steps`"),
        ("symbolic-n-steps-unrolled", lambda: Recurrence(state_variables={h: h_prev},
                                                         input_nonsequences={x: stray},
                                                         n_steps=T.iscalar()),
         ValueError, "symbolic `n_steps` needs unroll_scan=False"),
        ("misspelled-keyword", lambda: Recurrence(state_variables={h: h_prev}, n_step=3),
         TypeError, "did you mean 'n_steps'"),
        ("delayed-not-state", lambda: Recurrence(state_variables={h: h_prev},
                                                 input_sequences={x: seq}, delayed_states=[x]),
         ValueError, "`delayed_states` contains"),
        ("state-init-length", lambda: Recurrence(state_variables={h: h_prev},
                                                 input_sequences={x: seq}, state_init=[h, h]),
         ValueError, "one entry per state"),
        ("unclosed-graph", lambda: Recurrence(state_variables={h: h_prev}, n_steps=2,
                                              batch_size=1),
         ValueError, "'x' is an input of the one-tick graph"),
        ("sequence-too-short", lambda: Recurrence(state_variables={h: h_prev},
                                                  input_sequences={x: seq}, n_steps=9),
         ValueError, "has 5 ticks but n_steps=9"),
        ("no-batch-size", lambda: Recurrence(state_variables={h: h_prev}, n_steps=2,
                                             input_nonsequences={}, verify_graph=False),
         ValueError, "pass `batch_size`"),
        ("mask-not-layer", lambda: Recurrence(state_variables={h: h_prev}, n_steps=2,
                                              mask_input=np.ones((2, 2))),
         TypeError, "`mask_input` must be None or a lasagne layer"),
    ]


CASES = _cases()


@pytest.mark.parametrize("build, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_recurrence_bad_input(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_dtype_mismatch_raises_before_compile_and_force_cast_fixes_it():
    prev = InputLayer((None,), name="count_prev")
    counter = CounterLayer(prev)
    half = ElemwiseSumLayer([counter, counter], coeffs=0.5, name="half")
    half.output_dtype = "int32"
    rec = Recurrence(state_variables={half: prev}, n_steps=3, batch_size=2)
    with pytest.raises(ValueError, match="force_cast_types=True"):
        get_output(rec[half])
    fixed = Recurrence(state_variables={half: prev}, n_steps=3, batch_size=2,
                       force_cast_types=True)
    assert get_output(fixed[half]).dtype == "int32"


def test_agent_bad_input():
    x, h_prev, h = _graph()
    q = DenseLayer(h, 3)
    with pytest.raises(TypeError, match="`observation_layers` must be lasagne InputLayers"):
        Agent(DenseLayer(x, 3), {h: h_prev}, q, GreedyResolver(q))
    with pytest.raises(TypeError, match="did you mean 'policy_estimators'"):
        Agent(x, {h: h_prev}, policy_estimator=q)
    with pytest.raises(ValueError, match=r"\(None, 3\) .* \(None, 5\)"):
        wrong = Agent(x, {h: h_prev}, q, GreedyResolver(q))
        env = CounterEnvironment()
        env.observation_shapes = ((5,),)
        wrong.get_sessions(env, 2, batch_size=1)
    agent = build_agent()
    with pytest.raises(TypeError, match="did you mean 'session_length'"):
        agent.get_sessions(CounterEnvironment(), sesion_length=3)
    with pytest.raises(ValueError, match="experience_replay=True needs an environment with"):
        agent.get_sessions(CounterEnvironment(), 2, experience_replay=True)


def test_resolver_bad_input():
    x = InputLayer((None, 3))
    with pytest.raises(ValueError, match=r"`epsilon` must be in \[0, 1\], got 1.5"):
        EpsilonGreedyResolver(x, epsilon=1.5)
    with pytest.raises(ValueError, match=r"must have ndim 2 \[batch, n_actions\]"):
        GreedyResolver(InputLayer((None, 3, 2)))
    assert theano.config.floatX in ("float32", "float64")
