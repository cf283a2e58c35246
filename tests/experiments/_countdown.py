"""The deterministic toy game of the EnvPool tests (workers of ProcessEnvPool import it too)."""
import gymnasium as gym
import numpy as np


class Countdown(gym.Env):
    """Observation (ticks left, episode number); reward 10 + tick; ends when nothing is left."""

    def __init__(self, length=3):
        self.length = length
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.episode = -1

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.episode += 1
        self.left = self.length
        return self._observation(), {}

    def _observation(self):
        return np.array([self.left, self.episode], dtype=np.float32)

    def step(self, action):
        reward = 10.0 + (self.length - self.left)
        self.left -= 1
        return self._observation(), reward, self.left == 0, False, {}
