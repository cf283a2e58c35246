"""Observation wrappers and the Atari pipeline."""
import gymnasium as gym
import numpy as np
import pytest

from agentnet.experiments.openai_gym.wrappers import FrameBuffer, PreprocessImage, make_atari
from tests.experiments.test_env_pool import Countdown


class Picture(gym.Env):
    observation_space = gym.spaces.Box(0, 255, (20, 10, 3), dtype=np.uint8)
    action_space = gym.spaces.Discrete(1)

    def reset(self, seed=None, options=None):
        return np.full((20, 10, 3), 51, dtype=np.uint8), {}

    def step(self, action):
        return np.full((20, 10, 3), 102, dtype=np.uint8), 0.0, False, False, {}


def test_frame_buffer_stacks_newest_first():
    env = FrameBuffer(Countdown(5), n_frames=3)
    first, _ = env.reset()
    np.testing.assert_array_equal(first[:, 0], [5, 0, 0])
    env.step(0)
    stacked = env.step(0)[0]
    np.testing.assert_array_equal(stacked[:, 0], [3, 4, 5])
    assert env.observation_space.shape == (3, 2)
    with pytest.raises(ValueError, match="`n_frames` must be >= 1"):
        FrameBuffer(Countdown(), 0)


def test_preprocess_image_resizes_grayscales_and_scales():
    env = PreprocessImage(Picture(), height=8, width=4, crop=lambda img: img[2:])
    observation, _ = env.reset()
    assert observation.shape == (1, 8, 4) and observation.dtype == np.float32
    np.testing.assert_allclose(observation, 0.2, rtol=1e-6)
    assert env.observation_space.shape == (1, 8, 4)


def test_atari_pipeline_is_uint8_end_to_end():
    env = make_atari("ALE/Pong-v5")
    observation, _ = env.reset(seed=0)
    assert observation.shape == (4, 84, 84) and observation.dtype == np.uint8
    assert env.observation_space.dtype == np.uint8
    env.close()


def _noop_steps_until_end(env, max_steps):
    """NOOP until the episode ends; returns (steps taken, lives left, ended)."""
    env.reset(seed=0)
    for step in range(1, max_steps + 1):
        _, _, terminated, truncated, _ = env.step(0)
        if terminated or truncated:
            return step, env.unwrapped.ale.lives(), True
    return max_steps, env.unwrapped.ale.lives(), False


def test_breakout_stands_still_without_fire():
    env = make_atari("ALE/Breakout-v5", stack=1, noop_max=0)
    assert _noop_steps_until_end(env, 300) == (300, 5, False)


def test_fire_reset_serves_every_life_of_a_whole_game():
    env = make_atari("ALE/Breakout-v5", stack=1, noop_max=0, fire_reset=True)
    steps, lives, ended = _noop_steps_until_end(env, 3000)
    assert ended and lives == 0 and steps > 5


def test_fire_reset_with_terminal_on_life_loss_ends_after_one_life():
    env = make_atari("ALE/Breakout-v5", stack=1, noop_max=0, fire_reset=True,
                     terminal_on_life_loss=True)
    steps, lives, ended = _noop_steps_until_end(env, 3000)
    assert ended and lives == 4


def test_fire_reset_needs_a_fire_action():
    with pytest.raises(ValueError, match="FIRE action.*'UP'"):
        make_atari("ALE/Freeway-v5", fire_reset=True)
