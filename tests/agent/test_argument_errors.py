"""MDPAgent and Recurrence: scalars and non-layers are named before any graph is built."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer

from agentnet.agent import Recurrence
from agentnet.agent._linking import check_layer

from .conftest import CounterEnvironment, build_agent, numpy_memory_step

AGENT = build_agent()
ENV = CounterEnvironment()
MEMORY = list(AGENT.agent_states)[0]


def _recurrence(**kwargs):
    """A one-state recurrence h' = W h + b with the given extra arguments."""
    previous = InputLayer((None, 4), name="h_prev")
    new = DenseLayer(previous, 4, name="h")
    arguments = dict(state_variables={new: previous}, n_steps=3, batch_size=2)
    arguments.update(kwargs)
    return Recurrence(**arguments)


CASES = [
    ("session-length-zero", lambda: AGENT.get_sessions(ENV, 0, batch_size=2),
     ValueError, "`session_length` must be an int >= 1, got 0"),
    ("session-length-string", lambda: AGENT.get_sessions(ENV, "5", batch_size=2),
     TypeError, r"`session_length` must be an int >= 1, got '5' \(str\)"),
    ("session-length-float", lambda: AGENT.get_sessions(ENV, 2.5, batch_size=2),
     TypeError, r"`session_length` must be an int >= 1, got 2.5 \(float\)"),
    ("session-length-symbolic-vector", lambda: AGENT.get_sessions(ENV, T.ivector(), batch_size=2),
     TypeError, "`session_length` must be an int >= 1 or a symbolic integer scalar, got a "
                "symbolic int32 of ndim 1"),
    ("batch-size-negative", lambda: AGENT.get_sessions(ENV, 3, batch_size=-1),
     ValueError, "`batch_size` must be an int >= 1, got -1"),
    ("batch-size-string", lambda: AGENT.get_sessions(ENV, 3, batch_size="2"),
     TypeError, r"`batch_size` must be an int >= 1, got '2' \(str\)"),
    ("initial-hidden-numpy",
     lambda: AGENT.get_sessions(ENV, 3, batch_size=2, initial_hidden=[np.zeros((2, 4))]),
     TypeError, r"`initial_hidden`: the value for .*'memory' must be a lasagne layer or a Theano "
                r"tensor \(None, 4\), got ndarray"),
    ("initial-env-states-numpy",
     lambda: AGENT.get_sessions(ENV, 3, batch_size=2, initial_env_states=[np.zeros((2, 1))]),
     TypeError, "`initial_env_states`: the value for .* got ndarray"),
    ("recurrence-n-steps-negative", lambda: _recurrence(n_steps=-2),
     ValueError, r"`n_steps` must be an int >= 1 \(ticks\), got -2"),
    ("recurrence-n-steps-string", lambda: _recurrence(n_steps="3"),
     TypeError, r"`n_steps` must be an int >= 1 \(ticks\), got '3' \(str\)"),
    ("recurrence-n-steps-symbolic-float", lambda: _recurrence(n_steps=T.fscalar(),
                                                              unroll_scan=False),
     TypeError, "`n_steps` must be .* or a symbolic integer scalar, got a symbolic float32"),
    ("recurrence-batch-size-zero", lambda: _recurrence(batch_size=0),
     ValueError, "`batch_size` must be an int >= 1, got 0"),
    ("recurrence-delayed-numpy", lambda: _recurrence(delayed_states=[np.zeros(2)]),
     TypeError, r"`delayed_states` must contain lasagne layers \(keys of `state_variables`\), "
                r"got ndarray"),
    ("zeros-like-memory-negative", lambda: AGENT.get_zeros_like_memory(-1),
     ValueError, "`batch_size` must be an int >= 0, got -1"),
    ("zeros-like-memory-string", lambda: AGENT.get_zeros_like_memory("2"),
     TypeError, r"`batch_size` must be an int >= 0, got '2' \(str\)"),
    ("experience-replay-string",
     lambda: AGENT.get_sessions(ENV, 3, batch_size=2, experience_replay="yes"),
     TypeError, r"`experience_replay` must be True or False, got 'yes' \(str\)"),
    ("unroll-scan-string", lambda: AGENT.get_sessions(ENV, 3, batch_size=2, unroll_scan="no"),
     TypeError, "`unroll_scan` must be True or False, got 'no'"),
    ("recurrence-verify-graph-string", lambda: _recurrence(verify_graph="x"),
     TypeError, "`verify_graph` must be True or False, got 'x'"),
    ("react-output-flags-string", lambda: AGENT.get_react_function(output_flags="deterministic"),
     TypeError, "`output_flags` must be a dict of keyword arguments or None, got str"),
    ("react-function-flags-list", lambda: AGENT.get_react_function(function_flags=["fast"]),
     TypeError, "`function_flags` must be a dict of keyword arguments or None, got list"),
    ("check-layer-list", lambda: check_layer(MEMORY, [[0.0] * 4], argument="initial_hidden"),
     TypeError, "`initial_hidden`: the value for .* got list"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_argument_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sizes_accept_numpy_ints_and_symbolic_ints():
    assert _recurrence(n_steps=np.int64(3)).n_steps == 3
    assert isinstance(_recurrence(n_steps=np.int64(3)).n_steps, int)
    steps, batch = T.iscalar("steps"), T.iscalar("batch")
    recurrence = _recurrence(n_steps=steps, batch_size=batch, unroll_scan=False)
    assert recurrence.n_steps is steps and recurrence.batch_size is batch
    assert [z.shape for z in AGENT.get_zeros_like_memory(np.int32(0))] == [(0, 4)]


def test_single_initial_value_is_a_list_of_one_as_in_the_original():
    """API.md: "a layer or a list of layers" goes through check_list, so one tensor (or layer)
    initialises the only memory; a numpy array is named instead."""
    h0 = T.matrix("h0")
    _, observations, memories, _, _ = AGENT.get_sessions(ENV, 1, batch_size=2, initial_hidden=h0)
    f = theano.function([h0], [observations, memories[MEMORY]], allow_input_downcast=True)
    h0_value = np.random.RandomState(0).randn(2, 4)
    got_observations, got_memory = f(h0_value)
    expected, _ = numpy_memory_step(AGENT, got_observations[:, 0], h0_value)
    np.testing.assert_allclose(got_memory[:, 0], expected, rtol=1e-4, atol=1e-5)
    AGENT.get_sessions(ENV, 1, initial_hidden=InputLayer((None, 4)))
    with pytest.raises(TypeError, match="`initial_hidden`: the value for .* got ndarray"):
        AGENT.get_sessions(ENV, 1, batch_size=2, initial_hidden=h0_value)
