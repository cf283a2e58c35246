"""SessionPoolEnvironment: every bad argument or bad stored value gets an error naming it.

Also the original AgentNet's behaviours that scripts rely on (spec 06): a layer's
declared ``output_dtype`` is its stored dtype, and ``max_n_samples`` is a maximum.
"""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer

from agentnet.agent import Agent
from agentnet.environment import (BaseEnvironment, EnvironmentStepLayer, SessionBatchEnvironment,
                                  SessionPoolEnvironment)
from agentnet.resolver import GreedyResolver

N_ACTIONS, TICKS = 3, 4


def _agent():
    observation = InputLayer((None, 2), name="observation")
    qvalues = DenseLayer(observation, N_ACTIONS, nonlinearity=None, name="qvalues")
    return Agent(observation, {}, qvalues, GreedyResolver(qvalues, name="action"))


AGENT = _agent()


def _pool():
    return SessionPoolEnvironment(observations=AGENT.observation_layers,
                                  actions=AGENT.action_layers, agent_memories=[])


def _sessions(n=2, ticks=TICKS):
    """``[observations], [actions], rewards`` of n sessions; action ids cycle through 0..2."""
    observations = np.zeros((n, ticks, 2), dtype=theano.config.floatX)
    actions = (np.arange(n * ticks).reshape(n, ticks) % N_ACTIONS).astype("int32")
    return [observations], [actions], np.ones((n, ticks), dtype=theano.config.floatX)


def _with_value(index, position, value):
    """Sessions whose field ``index`` (0 observations, 1 actions, 3 is_alive...) has ``value``
    at ``position``."""
    observations, actions, rewards = _sessions()
    fields = [observations, actions, rewards, np.ones((2, TICKS), dtype="uint8"),
              None, np.zeros((2, TICKS), dtype="uint8")]
    target = fields[index][0] if index < 2 else fields[index]
    target[position] = value
    return fields


def _load(fields):
    observations, actions, rewards, is_alive, memories, is_truncated = fields
    _pool().load_sessions(observations, actions, rewards, is_alive, memories,
                          is_truncated=is_truncated)


def _session_length_after_append():
    pool = _pool()
    AGENT.get_sessions(pool, TICKS + 2, experience_replay=True)
    pool.append_sessions(*_sessions())


def _replay_of_sampled_batch(length):
    pool = _pool()
    pool.append_sessions(*_sessions())
    AGENT.get_sessions(pool.sample_session_batch(2), length, experience_replay=True)


CASES = [
    ("observations-negative", lambda: SessionPoolEnvironment(observations=-1),
     ValueError, r"`observations` must be an int >= 0 \(how many are stored\), got -1"),
    ("observations-bool", lambda: SessionPoolEnvironment(observations=True),
     TypeError, r"`observations` must be an int >= 0.*got True \(bool\)"),
    ("actions-string", lambda: SessionPoolEnvironment(actions="2"),
     TypeError, "`actions` must be an int, a list of layers or a dict keyed by layers, got str"),
    ("memories-numpy", lambda: SessionPoolEnvironment(agent_memories=[np.zeros(3)]),
     TypeError, "`agent_memories` must be an int, a list of layers .* got ndarray"),
    ("default-action-dtype", lambda: SessionPoolEnvironment(default_action_dtype="int33"),
     TypeError, "`default_action_dtype` must be a dtype name such as 'int32'.*got 'int33'"),
    ("rng-seed-negative", lambda: SessionPoolEnvironment(rng_seed=-1),
     ValueError, "`rng_seed` must be an int >= 0, got -1"),
    ("rng-seed-string", lambda: SessionPoolEnvironment(rng_seed="a"),
     TypeError, r"`rng_seed` must be an int >= 0, got 'a' \(str\)"),
    ("max-pool-size-zero", lambda: _pool().append_sessions(*_sessions(), max_pool_size=0),
     ValueError, "`max_pool_size` must be an int >= 1, got 0"),
    ("max-pool-size-string", lambda: _pool().append_sessions(*_sessions(), max_pool_size="3"),
     TypeError, r"`max_pool_size` must be an int >= 1, got '3' \(str\)"),
    ("is-alive-two", lambda: _load(_with_value(3, (1, 3), 2)),
     ValueError, r"`is_alive` values must be 0 or 1, got 2 at index \(1, 3\)"),
    ("is-alive-nan", lambda: _pool().load_sessions(*_sessions(), is_alive=np.where(
        np.eye(2, TICKS) > 0, np.nan, 1.0)),
     ValueError, r"`is_alive` values must be 0 or 1, got nan at index \(0, 0\)"),
    ("is-truncated-two", lambda: _load(_with_value(5, (0, 2), 2)),
     ValueError, r"`is_truncated` values must be 0 or 1, got 2 at index \(0, 2\)"),
    ("action-negative", lambda: _load(_with_value(1, (1, 0), -1)),
     ValueError,
     r"`actions\[0\]` values must be action ids in \[0, 3\), got -1 at index \(1, 0\)"),
    ("action-too-large", lambda: _load(_with_value(1, (0, 2), N_ACTIONS)),
     ValueError, r"`actions\[0\]` values must be action ids in \[0, 3\), got 3 at index \(0, 2\)"),
    ("rewards-scalar", lambda: _pool().load_sessions(*_sessions()[:2], 1.0),
     ValueError, r"`rewards` must have shape \[sessions, ticks, \*\(\)\]"),
    ("max-n-samples-zero", lambda: _pool().sample_session_batch(0),
     ValueError, "`max_n_samples` must be an int >= 1, got 0"),
    ("max-n-samples-string", lambda: _pool().sample_session_batch("32"),
     TypeError, r"`max_n_samples` must be an int >= 1, got '32' \(str\)"),
    ("max-n-samples-symbolic-float", lambda: _pool().sample_session_batch(T.fscalar()),
     TypeError, "`max_n_samples` must be an int >= 1 or a symbolic integer scalar, got a "
                "symbolic float32"),
    ("replace-string", lambda: _pool().sample_session_batch(2, replace="yes"),
     TypeError, r"`replace` must be True or False, got 'yes' \(str\)"),
    ("select-float-indices", lambda: _pool().select_session_batch(np.array([0.5])),
     TypeError, "`selector` must hold integer session indices, got dtype float64"),
    ("memory-estimate-negative", lambda: _pool().memory_estimate(-1, TICKS),
     ValueError, "`n_sessions` must be an int >= 0, got -1"),
    ("selector-dtype", lambda: _pool().sample_session_batch(2, selector_dtype="float32"),
     ValueError, "`selector_dtype` must be an int dtype, got 'float32'"),
    ("session-length-longer-than-stored", lambda: AGENT.get_sessions(
        _loaded_pool(), TICKS + 2, experience_replay=True),
     ValueError, r"`session_length` is 6 but the pool stores sessions of 4 ticks"),
    ("session-length-of-sampled-batch", lambda: _replay_of_sampled_batch(TICKS + 1),
     ValueError, r"`session_length` is 5 but the pool stores sessions of 4 ticks"),
    ("sessions-shorter-than-built-graph", _session_length_after_append,
     ValueError, r"a replay graph of this pool reads session_length=6 ticks; got sessions of 4 "
                 r"ticks"),
]


ONE_STATE_ENV = BaseEnvironment([(1,)], [(3,)], [()])

BASE_CASES = [
    ("state-shape-negative", lambda: BaseEnvironment([(-1,)], [(3,)], [()]),
     ValueError, r"`state_shapes` must be an int >= 1 \(sizes of each shape\) or None, got -1"),
    ("observation-shape-float", lambda: BaseEnvironment([(1,)], [(3.0,)], [()]),
     TypeError, r"`observation_shapes` must be an int >= 1 .* got 3.0 \(float\)"),
    ("state-dtype-typo", lambda: BaseEnvironment([(1,)], [(3,)], [()], state_dtypes=["flaot32"]),
     TypeError, "`state_dtypes` must be a dtype name such as 'int32' or 'float32', got 'flaot32'"),
    ("action-dtypes-count", lambda: BaseEnvironment([(1,)], [(3,)], [()],
                                                    action_dtypes=["int32", "int32"]),
     ValueError, r"`action_dtypes` must have one dtype per shape \(1\), got 2"),
    ("step-layer-environment", lambda: EnvironmentStepLayer(object()),
     TypeError, "`environment` must be a BaseEnvironment, got object"),
    ("step-layer-numpy-state", lambda: ONE_STATE_ENV.as_layers([np.zeros((2, 1))]),
     TypeError, "`prev_state_layers` must be a lasagne layer, got ndarray"),
    ("step-layer-numpy-action", lambda: ONE_STATE_ENV.as_layers(None, [np.zeros(2)]),
     TypeError, "`action_layers` must be a lasagne layer, got ndarray"),
    ("step-layer-state-count", lambda: ONE_STATE_ENV.as_layers(
        [InputLayer((None, 1)), InputLayer((None, 1))]),
     ValueError, r"`prev_state_layers` must have one layer per state of BaseEnvironment \(1\), "
                 r"got 2"),
    ("batch-numpy-observations", lambda: SessionBatchEnvironment(
        np.zeros((2, 3, 4)), [(4,)], T.imatrix()),
     TypeError, r"`observations` must be Theano tensors \[batch, tick, ...\], got ndarray"),
    ("batch-action-shapes-sentinel", lambda: SessionBatchEnvironment(
        T.tensor3(), [(4,)], T.imatrix(), single_action_shapes="scalar"),
     ValueError, "`single_action_shapes` must be 'all_scalar' or a list of shapes, got 'scalar'"),
    ("batch-is-alive-ndim", lambda: SessionBatchEnvironment(
        T.tensor3(), [(4,)], T.imatrix(), is_alive=T.tensor3()),
     ValueError, r"`is_alive` must be None or a tensor of ndim 2 \[batch, tick\], got ndim 3"),
]
CASES += BASE_CASES


def _loaded_pool():
    pool = _pool()
    pool.load_sessions(*_sessions())
    return pool


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_argument_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_rejected_append_leaves_the_pool_unchanged():
    pool = _pool()
    pool.append_sessions(*_sessions())
    before = [v.get_value().copy() for v in pool._shared_variables]
    observations, actions, rewards = _sessions()
    is_alive = np.ones((2, TICKS), dtype="uint8")
    is_alive[1, 2] = 2
    with pytest.raises(ValueError, match="`is_alive` values must be 0 or 1"):
        pool.append_sessions(observations, actions, rewards, is_alive)
    for variable, old in zip(pool._shared_variables, before):
        np.testing.assert_array_equal(variable.get_value(), old)


@pytest.mark.parametrize("flags", [
    np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype="int64"),
    np.array([[1., 1., 0., 1.], [0., 1., 1., 1.]]),
    np.array([[True, True, False, True], [False, True, True, True]]),
], ids=["int64", "float64", "bool"])
def test_zero_one_flags_of_any_numeric_dtype_are_stored_as_uint8(flags):
    pool = _pool()
    pool.append_sessions(*_sessions(), is_alive=flags, is_truncated=flags)
    for stored in (pool.is_alive.get_value(), pool.is_truncated.get_value()):
        assert stored.dtype == np.uint8
        np.testing.assert_array_equal(stored, flags.astype("uint8"))


def test_session_length_up_to_the_stored_length_is_accepted():
    pool = _loaded_pool()
    for length in (1, TICKS):
        AGENT.get_sessions(pool, length, experience_replay=True)


def test_declared_output_dtype_decides_the_stored_dtype():
    """Spec 06/09: storage uses ``get_layer_dtype(layer)``, i.e. a declared ``output_dtype``."""
    frames = InputLayer((None, 2))
    frames.output_dtype = "uint8"
    action = InputLayer((None,), input_var=T.ivector())
    action.output_dtype = "int16"
    memory = DenseLayer(InputLayer((None, 3)), 3)
    memory.output_dtype = "float16"
    pool = SessionPoolEnvironment(observations=[frames], actions=[action],
                                  agent_memories=[memory])
    assert [pool.observations[0].dtype, pool.actions[0].dtype] == ["uint8", "int16"]
    assert pool.preceding_agent_memories[0].dtype == "float16"
    assert pool.observation_dtypes == ("uint8",) and pool.action_dtypes == ("int16",)


def test_input_layer_without_output_dtype_stores_its_variable_dtype_and_others_floatX():
    frames = InputLayer((None, 2), input_var=T.matrix("frames", dtype="uint8"))
    pool = SessionPoolEnvironment(observations=[frames, InputLayer((None, 2))],
                                  actions=AGENT.action_layers, agent_memories=[])
    assert [o.dtype for o in pool.observations] == ["uint8", theano.config.floatX]
    assert pool.actions[0].dtype == "int32"


def test_session_batch_takes_int_shapes_as_one_dimensional():
    batch = SessionBatchEnvironment(T.tensor3(), [4], T.imatrix())
    assert batch.single_observation_shapes == [(4,)] and batch.observation_shapes == ((4,),)


def test_numpy_integer_counts_are_accepted():
    pool = SessionPoolEnvironment(observations=np.int64(2), actions=np.int32(1),
                                  agent_memories=np.int64(0))
    assert (len(pool.observations), len(pool.actions)) == (2, 1)
    assert pool.preceding_agent_memories == []


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint16", ">i4"])
def test_action_ids_are_checked_in_every_integer_dtype(dtype):
    """The bound check reads ids as unsigned (one reduction); negatives must still be caught."""
    observations, actions, rewards = _sessions()
    valid = actions[0].astype(dtype)
    _pool().load_sessions(observations, [valid], rewards)
    if np.dtype(dtype).kind == "i":
        negative = valid.copy()
        negative[1, 1] = -1
        with pytest.raises(ValueError, match=r"got -1 at index \(1, 1\)"):
            _pool().load_sessions(observations, [negative], rewards)
    too_large = valid.copy()
    too_large[0, 3] = N_ACTIONS
    with pytest.raises(ValueError, match=r"got 3 at index \(0, 3\)"):
        _pool().load_sessions(observations, [too_large], rewards)


def test_theano_floatX_dtype_name_is_accepted():
    env = BaseEnvironment([(1,)], [(3,)], [()], state_dtypes=["floatX"])
    assert env.state_dtypes == ("floatX",)
