"""EnvPool's session timeline on a tiny deterministic gymnasium environment."""
import gymnasium as gym
import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, ExpressionLayer, InputLayer

from agentnet.agent import Agent
from agentnet.experiments.openai_gym.pool import EnvPool, GamePool
from agentnet.resolver import GreedyResolver

from ._countdown import Countdown


def _agent():
    observation = InputLayer((None, 2), name="observation")
    prev_count = InputLayer((None, 1), name="prev_count")
    count = ExpressionLayer(prev_count, lambda c: c + 1, name="count")
    scores = DenseLayer(observation, 2, W=np.zeros((2, 2), dtype=theano.config.floatX),
                        b=np.array([0, 1], dtype=theano.config.floatX), nonlinearity=None)
    return Agent(observation, {count: prev_count}, scores, GreedyResolver(scores))


AGENT = _agent()
REACT = AGENT.get_react_function()


def _pool(lengths, **kwargs):
    makers = iter([lambda length=n: Countdown(length) for n in lengths])
    return EnvPool(AGENT, lambda: next(makers)(), n_games=len(lengths), agent_step=REACT,
                   **kwargs)


def test_episode_ending_mid_segment_and_memory_reset():
    pool = _pool([2])
    observations, actions, rewards, (counts,), alive, _ = pool.interact(5,
                                                                         add_last_observation=False)
    # ticks: step, step (terminal), reset (dead), step, step (terminal)
    np.testing.assert_array_equal(alive[0], [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(rewards[0], [10, 11, 0, 10, 11])
    np.testing.assert_array_equal(observations[0, :, 0], [2, 1, 0, 2, 1])
    np.testing.assert_array_equal(observations[0, :, 1], [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(counts[0, :, 0], [1, 2, 0, 1, 2])
    np.testing.assert_array_equal(actions[0], [1, 1, 1, 1, 1])


def test_games_ending_at_different_ticks_and_two_episodes_in_one_segment():
    pool = _pool([1, 3])
    _, _, rewards, _, alive, _ = pool.interact(6, add_last_observation=False)
    np.testing.assert_array_equal(alive, [[1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 1, 1]])
    np.testing.assert_array_equal(rewards, [[10, 0, 10, 0, 10, 0], [10, 11, 12, 0, 10, 11]])
    # finished episodes in the order they ended; the unfinished [10, 11] is not reported
    assert pool.episode_returns == [10, 10, 33, 10]


def test_bootstrap_record_and_overlapping_segments():
    pool = _pool([5], seed=0)
    first = pool.interact(3, add_last_observation=True)
    observations, _, rewards, (counts,), alive, infos = first
    np.testing.assert_array_equal(alive[0], [1, 1, 1])
    np.testing.assert_array_equal(rewards[0], [10, 11, 0])
    assert infos[-1] == (None,)
    np.testing.assert_array_equal(counts[0, -1], counts[0, -2])
    second = pool.interact(3, add_last_observation=True)
    np.testing.assert_array_equal(second[0][0, 0], observations[0, -1])


def _replayed_counts(pool, n_ticks, zero_memory_on_reset):
    _, _, memories, _, _ = AGENT.get_sessions(pool.experience_replay, n_ticks,
                                              experience_replay=True,
                                              zero_memory_on_reset=zero_memory_on_reset)
    return theano.function([], list(memories.values()))()[0]


def test_replay_with_zero_memory_on_reset_reproduces_live_memories():
    """Two episodes per game and a non-zero memory before the segment."""
    live, recorded = _pool([2, 3]), _pool([2, 3])
    for pool in (live, recorded):
        pool.interact(2, add_last_observation=False)
    _, _, _, (live_counts,), alive, _ = live.interact(7, add_last_observation=False)
    recorded.update(7, add_last_observation=False)
    np.testing.assert_array_equal(alive, [[0, 1, 1, 0, 1, 1, 0], [1, 0, 1, 1, 1, 0, 1]])
    np.testing.assert_array_equal(_replayed_counts(recorded, 7, True), live_counts)
    # the original AgentNet's replay keeps counting through the resets
    np.testing.assert_array_equal(_replayed_counts(recorded, 7, False)[:, :, 0],
                                  [[3, 4, 5, 6, 7, 8, 9], [3, 4, 5, 6, 7, 8, 9]])


def test_truncation_is_recorded_and_stored():
    makers = lambda: gym.wrappers.TimeLimit(Countdown(10), max_episode_steps=2)  # noqa: E731
    pool = EnvPool(AGENT, makers, n_games=1, agent_step=REACT)
    pool.update(5, add_last_observation=False)
    np.testing.assert_array_equal(pool.experience_replay.is_alive.get_value()[0], [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(pool.experience_replay.is_truncated.get_value()[0],
                                  [0, 1, 0, 0, 1])


def test_vector_backend_matches_sequential():
    sequential = _pool([2, 3]).interact(7, add_last_observation=False)
    vector_env = gym.vector.SyncVectorEnv([lambda: Countdown(2), lambda: Countdown(3)],
                                          autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    vectorized = EnvPool(AGENT, None, n_games=2, agent_step=REACT,
                         vector_env=vector_env).interact(7, add_last_observation=False)
    for a, b in zip(sequential[:3] + sequential[4:5], vectorized[:3] + vectorized[4:5]):
        np.testing.assert_array_equal(a, b)


def test_seed_makes_a_run_reproducible():
    observation = InputLayer((None, 4), name="cartpole_observation")
    scores = DenseLayer(observation, 2, nonlinearity=None)
    agent = Agent(observation, {}, scores, GreedyResolver(scores))
    react = agent.get_react_function()

    def play(seed):
        pool = EnvPool(agent, "CartPole-v1", n_games=3, agent_step=react, seed=seed)
        return [pool.interact(30) for _ in range(2)]

    first, again, other = play(7), play(7), play(8)
    for run, rerun in zip(first, again):
        for a, b in zip(run[:5], rerun[:5]):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0][0], other[0][0])
    # the bootstrap record's random actions come from the seeded action spaces too
    np.testing.assert_array_equal(first[0][1][:, -1], again[0][1][:, -1])


def test_ale_vector_env_records_the_same_timeline_shapes():
    """ale-py's own AtariVectorEnv (NEXT_STEP autoreset) plugs in as a vector backend."""
    from ale_py.vector_env import AtariVectorEnv
    vector_env = AtariVectorEnv("pong", 2, stack_num=1, img_height=8, img_width=8)
    frames = InputLayer((None, 1, 8, 8), input_var=theano.tensor.tensor4("frames", "uint8"))
    scores = DenseLayer(frames, vector_env.single_action_space.n, nonlinearity=None)
    agent = Agent(frames, {}, scores, GreedyResolver(scores))
    pool = EnvPool(agent, None, n_games=2, vector_env=vector_env, seed=0)
    observations, actions, rewards, _, alive, _ = pool.interact(4)
    vector_env.close()
    assert observations.shape == (2, 4, 1, 8, 8) and observations.dtype == np.uint8
    assert actions.shape == rewards.shape == alive.shape == (2, 4)
    np.testing.assert_array_equal(alive, 1)


def test_bad_input():
    with pytest.raises(ValueError, match="autoreset_mode"):
        EnvPool(AGENT, None, n_games=1, vector_env=gym.vector.SyncVectorEnv(
            [lambda: Countdown()], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP))
    with pytest.raises(ValueError, match=r"\(None, 2\) but the environment's observations have "
                                         r"shape \(None, 4\)"):
        EnvPool(AGENT, "CartPole-v1")
    with pytest.raises(ValueError, match="action space is Box"):
        EnvPool(AGENT, lambda: gym.wrappers.TransformObservation(
            gym.make("MountainCarContinuous-v0"), lambda o: o,
            gym.spaces.Box(-np.inf, np.inf, (2,))))
    with pytest.raises(ValueError, match="gymnasium says"):
        EnvPool(AGENT, "NoSuchGame-v9")
    two_observations = Agent([InputLayer((None, 2)), InputLayer((None, 2))], {},
                             AGENT.policy, AGENT.action_layers)
    with pytest.raises(ValueError, match="exactly one observation layer"):
        EnvPool(two_observations, lambda: Countdown())
    with pytest.raises(ValueError, match="use EnvPool"):
        GamePool(AGENT)
    with pytest.raises(ValueError, match="zero_memory_on_reset=True needs experience_replay"):
        AGENT.get_sessions(_pool([2]).experience_replay, 3, zero_memory_on_reset=True)


def test_evaluate_plays_fresh_games_together_and_reports_them_in_order(capsys):
    """Countdown games of 2, 6 and 4 ticks, the 6 cut at t_max=5: reward 10 + tick each tick."""
    lengths = iter([4, 2, 6, 4])
    pool = EnvPool(AGENT, lambda: Countdown(next(lengths)), n_games=1, agent_step=REACT)
    capsys.readouterr()
    totals = pool.evaluate(n_games=3, t_max=5, seed=7)
    expected = [sum(10.0 + k for k in range(n)) for n in (2, 5, 4)]
    assert totals == expected
    assert capsys.readouterr().out.splitlines() == [
        "Episode finished after %i timesteps with reward=%s" % (n, total)
        for n, total in zip((2, 5, 4), expected)]
