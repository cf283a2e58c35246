"""agentnet.experiments.loops: episodes with a react function, evaluation, run checkpoints."""
import numpy as np
import pytest
from lasagne.layers import DenseLayer, InputLayer

from agentnet import Agent
from agentnet.display import Metrics
from agentnet.experiments.loops import RunCheckpoint, evaluate, play_episode, play_episodes
from agentnet.memory import WindowAugmentation
from agentnet.resolver import GreedyResolver


class CountingEnv(object):
    """Observation = [tick, seed]; reward = action + 1; terminates after ``length`` ticks."""

    def __init__(self, length=5, truncate_at=None):
        self.length, self.truncate_at, self.closed = length, truncate_at, False
        self.actions = []

    def reset(self, seed=None):
        self.t, self.seed = 0, -1 if seed is None else seed
        return np.array([0.0, self.seed]), {}

    def step(self, action):
        self.actions.append(action)
        self.t += 1
        terminated = self.t >= self.length
        truncated = self.truncate_at is not None and self.t >= self.truncate_at
        return np.array([self.t, self.seed], float), action + 1.0, terminated, truncated, {}

    def close(self):
        self.closed = True


def counting_react(observation, memory):
    """A memory that sums the observed ticks; the action is that sum mod 3."""
    assert observation.shape == (1, 2) and memory.shape == (1,)
    new_memory = memory + observation[:, 0]
    return [(new_memory % 3).astype("int32"), new_memory]


def test_play_episode_matches_a_hand_loop():
    env = CountingEnv(length=5)
    total, ticks = play_episode(counting_react, env, [np.zeros(1)], seed=3)
    memory, expected_actions = 0.0, []
    for t in range(5):
        memory += t
        expected_actions.append(int(memory % 3))
    assert env.actions == expected_actions
    assert (total, ticks) == (sum(a + 1.0 for a in expected_actions), 5)


@pytest.mark.parametrize("env, t_max, ticks", [(CountingEnv(10), 4, 4),
                                               (CountingEnv(10, truncate_at=2), 100, 2)],
                         ids=["t-max", "truncated"])
def test_play_episode_stops_at_t_max_or_truncation(env, t_max, ticks):
    assert play_episode(counting_react, env, [np.zeros(1)], t_max=t_max)[1] == ticks


def test_on_step_sees_every_tick():
    seen = []
    play_episode(counting_react, CountingEnv(3), [np.zeros(1)],
                 on_step=lambda env, observation, reward: seen.append((observation[0], reward)))
    assert [tick for tick, _ in seen] == [1, 2, 3]


def seeded_react(observations, memory):
    """Any batch: the memory sums tick + seed per game; the action is that sum mod 3."""
    new_memory = memory + observations[:, 0] + observations[:, 1]
    return [(new_memory % 3).astype("int32"), new_memory]


def test_play_episodes_gives_each_game_what_it_gets_alone():
    """Games of 7, 3, 5 and 1 ticks (one cut by t_max, one truncated) leave the batch in turn,
    each with its own memory: the same actions, totals and ticks as one at a time."""
    def games():
        return [CountingEnv(7), CountingEnv(3), CountingEnv(10, truncate_at=5), CountingEnv(9)]
    alone = games()
    expected = [play_episode(seeded_react, env, [np.zeros(1)], t_max=6, seed=seed)
                for env, seed in zip(alone, [4, 0, 2, 11])]
    together = games()
    batches = []

    def recording_react(observations, memory):
        batches.append(len(observations))
        return seeded_react(observations, memory)
    totals, n_ticks = play_episodes(recording_react, together, [np.zeros(4)], t_max=6,
                                    seeds=[4, 0, 2, 11])
    assert list(zip(totals, n_ticks)) == expected
    assert [env.actions for env in together] == [env.actions for env in alone]
    assert n_ticks == [6, 3, 5, 6] and batches == [4, 4, 4, 3, 3, 2]


def test_evaluate_seeds_each_episode_and_closes_the_env():
    envs = []

    def make_env():
        envs.append(CountingEnv(2))
        return envs[-1]
    seeds = []

    def react(observation):
        seeds.append(observation[0, 1])
        return [np.zeros(1, "int32")]
    assert evaluate(react, make_env, n_episodes=3, seed=10) == [2.0, 2.0, 2.0]
    assert sorted(set(seeds)) == [10, 11, 12] and len(envs) == 1 and envs[0].closed


@pytest.mark.parametrize("call, message", [
    (lambda: play_episode(counting_react, CountingEnv(), [np.zeros(1)], t_max=0),
     r"`t_max` must be an int >= 1, got 0"),
    (lambda: evaluate(counting_react, CountingEnv, n_episodes=0),
     r"`n_episodes` must be an int >= 1, got 0"),
], ids=["t-max", "n-episodes"])
def test_bad_counts_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.fixture(scope="module")
def window_agent():
    observation = InputLayer((None, 2), name="observation")
    prev_window = InputLayer((None, 2, 2), name="prev_window")
    window = WindowAugmentation(observation, prev_window, name="window")
    qvalues = DenseLayer(window, 3, nonlinearity=None, name="qvalues")
    agent = Agent(observation, {window: prev_window}, qvalues, GreedyResolver(qvalues))
    return agent, qvalues, agent.get_react_function()


def test_play_episode_with_a_compiled_agent_equals_numpy(window_agent):
    agent, qvalues, react = window_agent
    W, b = [p.get_value() for p in qvalues.get_params()]
    env = CountingEnv(length=4)
    play_episode(react, env, agent.get_zeros_like_memory(1), seed=7)
    window, observation, expected = np.zeros((2, 2)), np.array([0.0, 7.0]), []
    for t in range(4):
        window = np.concatenate([observation[None], window[:-1]])
        expected.append(int(np.argmax(window.reshape(-1) @ W + b)))
        observation = np.array([t + 1.0, 7.0])
    assert env.actions == expected


def test_checkpoint_round_trip_restores_weights_and_progress(window_agent, tmp_path):
    _, qvalues, _ = window_agent
    checkpoint = RunCheckpoint(qvalues, str(tmp_path / "run" / "checkpoint.npz"))
    assert not checkpoint.exists()
    metrics = Metrics()
    metrics["score"][100] = 1.5
    metrics["score"][200] = 2.5
    saved = [p.get_value().copy() for p in qvalues.get_params()]
    checkpoint.save({"env_steps": 200, "wall_seconds": 3.5}, [1.0, 2.0], metrics)
    for p in qvalues.get_params():
        p.set_value(np.zeros_like(p.get_value()))
    returns, restored = [0.5], Metrics()
    counters = checkpoint.resume(returns, restored)
    assert counters == {"env_steps": 200, "wall_seconds": 3.5}
    assert returns == [0.5, 1.0, 2.0] and restored == {"score": {100: 1.5, 200: 2.5}}
    for value, param in zip(saved, qvalues.get_params()):
        np.testing.assert_array_equal(param.get_value(), value)


def test_resume_without_a_checkpoint_names_the_path(window_agent, tmp_path):
    missing = str(tmp_path / "none.npz")
    with pytest.raises(FileNotFoundError, match="no checkpoint to resume at .*none.npz"):
        RunCheckpoint(window_agent[1], missing).resume()
