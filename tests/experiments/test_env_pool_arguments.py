"""EnvPool: bad scalars and agents that do not fit the game are named before any game is played."""
import gymnasium as gym
import numpy as np
import pytest
from lasagne.layers import DenseLayer, InputLayer

from agentnet.agent import Agent
from agentnet.experiments.openai_gym.pool import EnvPool
from agentnet.resolver import GreedyResolver

from ._countdown import Countdown


def _discrete_agent(n_actions=2):
    observation = InputLayer((None, 2), name="observation")
    scores = DenseLayer(observation, n_actions, nonlinearity=None)
    return Agent(observation, {}, scores, GreedyResolver(scores))


def _continuous_agent(n_outputs=1):
    observation = InputLayer((None, 2), name="observation")
    action = DenseLayer(observation, n_outputs, nonlinearity=None, name="continuous_action")
    return Agent(observation, {}, action, action)


def _box_game():
    """MountainCarContinuous with a 2-float observation and a Box(1,) action."""
    return gym.wrappers.TransformObservation(gym.make("MountainCarContinuous-v0"), lambda o: o,
                                             gym.spaces.Box(-np.inf, np.inf, (2,)))


AGENT = _discrete_agent()
REACT = AGENT.get_react_function()


def _pool(**kwargs):
    return EnvPool(AGENT, Countdown, agent_step=REACT, **kwargs)


CASES = [
    ("n-games-zero", lambda: _pool(n_games=0),
     ValueError, "`n_games` must be an int >= 1, got 0"),
    ("n-games-string", lambda: _pool(n_games="2"),
     TypeError, r"`n_games` must be an int >= 1, got '2' \(str\)"),
    ("max-size-zero", lambda: _pool(max_size=0),
     ValueError, "`max_size` must be an int >= 1, got 0"),
    ("max-size-float", lambda: _pool(max_size=1e5),
     TypeError, r"`max_size` must be an int >= 1, got 100000.0 \(float\)"),
    ("seed-negative", lambda: _pool(seed=-1),
     ValueError, "`seed` must be an int >= 0, got -1"),
    ("make-env-not-callable", lambda: EnvPool(AGENT, 42, agent_step=REACT),
     TypeError, "`make_env` must be a callable making an environment or a gymnasium id .* "
                "got int"),
    ("vector-env-size", lambda: _pool(n_games=3, vector_env=gym.vector.SyncVectorEnv(
        [Countdown, Countdown], autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)),
     ValueError, "`n_games` is 3 but the vector environment runs 2 games"),
    ("agent-step-not-callable", lambda: EnvPool(AGENT, Countdown, agent_step="react"),
     TypeError, r"`agent_step` must be callable, got 'react' \(str\)"),
    ("interact-add-last-string", lambda: _pool().interact(3, add_last_observation="no"),
     TypeError, "`add_last_observation` must be True or False, got 'no'"),
    ("update-append-string", lambda: _pool().update(3, append="yes"),
     TypeError, "`append` must be True or False, got 'yes'"),
    ("update-preprocess-none", lambda: _pool().update(3, preprocess=None),
     TypeError, "`preprocess` must be callable, got None"),
    ("interact-zero", lambda: _pool().interact(0),
     ValueError, r"`n_steps` must be an int >= 1 \(ticks per game\), got 0"),
    ("interact-string", lambda: _pool().interact("10"),
     TypeError, r"`n_steps` must be an int >= 1 \(ticks per game\), got '10' \(str\)"),
    ("update-max-size-zero", lambda: _pool().update(3, append=True, max_size=0),
     ValueError, "`max_size` must be an int >= 1, got 0"),
    ("evaluate-t-max-zero", lambda: _pool().evaluate(t_max=0, verbose=False),
     ValueError, "`t_max` must be an int >= 1, got 0"),
    ("evaluate-n-games-zero", lambda: _pool().evaluate(n_games=0, verbose=False),
     ValueError, "`n_games` must be an int >= 1, got 0"),
    ("continuous-agent-on-discrete-game", lambda: EnvPool(_continuous_agent(), Countdown),
     ValueError, r"action space is Discrete\(2\) \(action ids\) but the agent's action layer "
                 r"outputs float\d\d values"),
    ("more-actions-than-the-game", lambda: EnvPool(_discrete_agent(3), Countdown),
     ValueError, r"the agent's resolver chooses among 3 actions but the environment's action "
                 r"space is Discrete\(2\)"),
    ("discrete-agent-on-box-game", lambda: EnvPool(_discrete_agent(), _box_game),
     ValueError, r"outputs discrete action ids \(int32\) but the environment's action space is "
                 r"Box"),
    ("continuous-action-shape", lambda: EnvPool(_continuous_agent(3), _box_game),
     ValueError, r"action layer has shape \(None, 3\) but the environment's action space Box.* "
                 r"needs \(None, 1\)"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_argument_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_declared_integer_output_dtype_makes_an_agent_discrete():
    """The action dtype is the declared ``output_dtype`` (the original's get_layer_dtype)."""
    observation = InputLayer((None, 2))
    action = InputLayer((None,), name="action_ids")
    action.output_dtype = "int32"
    pool = EnvPool(Agent(observation, {}, [], action), Countdown, agent_step=lambda o: [[0]])
    assert pool.experience_replay.actions[0].dtype == "int32"


def test_fewer_actions_than_the_game_and_one_tick_interact_are_accepted():
    observations, actions, _, _, alive, _ = EnvPool(
        _discrete_agent(1), Countdown, agent_step=lambda o: [np.zeros(len(o), "int32")]
    ).interact(1, add_last_observation=False)
    assert observations.shape == (1, 1, 2) and actions.tolist() == [[0]]
    assert alive.tolist() == [[1]]
