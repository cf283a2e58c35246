"""Module-level builders for the process-pool tests: worker processes import them by name."""
import os
import signal
import time

import gymnasium as gym
import numpy as np
import theano
from lasagne.layers import DenseLayer, ExpressionLayer, InputLayer

from agentnet.agent import Agent
from agentnet.resolver import EpsilonGreedyResolver

from ._countdown import Countdown

#: Episode length of a game reset with seed s: LENGTHS[s % 3]; TIME_LIMIT truncates the 6.
LENGTHS = (2, 3, 6)
TIME_LIMIT = 4


class SeededCountdown(Countdown):
    """The EnvPool tests' Countdown whose seeded reset fixes its length: LENGTHS[seed % 3]."""

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.length = LENGTHS[seed % len(LENGTHS)]
        return super().reset(seed=seed, options=options)


class FailingCountdown(SeededCountdown):
    """Raises on its third step."""

    def step(self, action):
        self.steps = getattr(self, "steps", 0) + 1
        if self.steps == 3:
            raise RuntimeError("the environment broke on purpose")
        return super().step(action)


def make_countdown():
    return gym.wrappers.TimeLimit(SeededCountdown(), max_episode_steps=TIME_LIMIT)


def make_failing_countdown():
    return FailingCountdown()


def build_agent():
    """A tiny MLP with a tick-counter memory: obs(2) -> 4 tanh -> 2 scores -> epsilon-greedy.

    Epsilon starts at 0 (greedy); the scores' bias decides the action while
    its weights are zero.
    """
    observation = InputLayer((None, 2), name="observation")
    prev_count = InputLayer((None, 1), name="prev_count")
    count = ExpressionLayer(prev_count, lambda c: c + 1, name="count")
    hidden = DenseLayer(observation, 4, nonlinearity=theano.tensor.tanh, name="hidden")
    scores = DenseLayer(hidden, 2, nonlinearity=None, name="scores")
    epsilon = theano.shared(np.float32(0), name="epsilon")
    action = EpsilonGreedyResolver(scores, epsilon=epsilon, seed=7, name="action")
    return Agent(observation, {count: prev_count}, scores, action)


def sync_epsilon(agent):
    return [agent.action_layers[0].epsilon]


def set_preferred_action(agent, action):
    """Zero score weights and a bias of 1 for ``action``: the greedy action is ``action``."""
    scores = agent.policy[0]
    scores.W.set_value(np.zeros_like(scores.W.get_value()))
    bias = np.zeros(2, dtype=theano.config.floatX)
    bias[action] = 1
    scores.b.set_value(bias)


def sleep_then_interrupt(seconds):
    """Body of a timer thread: SIGINT to this (learner) process after ``seconds``."""
    time.sleep(seconds)
    os.kill(os.getpid(), signal.SIGINT)


def build_agent_preferring(action):
    """:func:`build_agent` whose greedy action is ``action`` (a builder that takes kwargs)."""
    agent = build_agent()
    set_preferred_action(agent, action)
    return agent
