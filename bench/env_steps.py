"""Environment steps per second through EnvPool: sequential vs vector backends, vs the raw env.

For CartPole-v1 and Atari Breakout (DQN preprocessing), with n_games = 1, 4
and 16, EnvPool.interact is timed with a small agent (its react function
included), next to a bare loop of ``env.step`` with random actions on one
environment in the same run. Backends: sequential, gymnasium's
``AsyncVectorEnv`` and, for Breakout, ale-py's own ``AtariVectorEnv``
(C++ threads, same preprocessing).

Usage: ``make bench`` or ``.venv/bin/python bench/env_steps.py``.
"""
import os
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

N_GAMES = (1, 4, 16)
TICKS = {"CartPole-v1": 400, "Breakout": 100}


def make(name):
    from agentnet.experiments.openai_gym.wrappers import make_atari
    import gymnasium as gym
    return make_atari("ALE/Breakout-v5") if name == "Breakout" else gym.make(name)


def tiny_agent(observation_shape, n_actions):
    import theano.tensor as T
    from lasagne.layers import DenseLayer, InputLayer
    from agentnet import Agent
    from agentnet.resolver import EpsilonGreedyResolver
    ndim = len(observation_shape) + 1
    variable = T.TensorType("uint8" if ndim > 2 else "float32", (False,) * ndim)("obs")
    observation = InputLayer((None,) + observation_shape, input_var=variable)
    qvalues = DenseLayer(observation, n_actions, nonlinearity=None)
    return Agent(observation, {}, qvalues, EpsilonGreedyResolver(qvalues, epsilon=0.5))


def raw_rate(name, steps):
    env = make(name)
    env.reset(seed=0)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def vector_backend(name, backend, n_games):
    if backend != "ale-py":
        return backend
    from ale_py.vector_env import AtariVectorEnv
    return AtariVectorEnv(name.lower(), n_games, stack_num=4)


def pool_rate(name, agent, react, n_games, backend):
    from agentnet.experiments.openai_gym.pool import EnvPool
    pool = EnvPool(agent, lambda: make(name), n_games=n_games, agent_step=react, seed=0,
                   vector_env=vector_backend(name, backend, n_games))
    pool.interact(5)
    started = time.perf_counter()
    pool.interact(TICKS[name], add_last_observation=False)
    seconds = time.perf_counter() - started
    pool.games.close()
    return n_games * TICKS[name] / seconds


def main():
    print_stack_info()
    rows = []
    for name in TICKS:
        env = make(name)
        agent = tiny_agent(env.observation_space.shape, env.action_space.n)
        react = agent.get_react_function()
        rows.append([name, "raw env.step, 1 env", "-", "%.0f" % raw_rate(name, 20 * TICKS[name])])
        for n_games in N_GAMES:
            for backend in (None, "async") + (("ale-py",) if name == "Breakout" else ()):
                rate = pool_rate(name, agent, react, n_games, backend)
                rows.append([name, "EnvPool " + (backend or "sequential"), n_games, "%.0f" % rate])
    print_table("environment steps per second (EnvPool includes the agent's react call)",
                ["game", "backend", "n_games", "steps/s"], rows)


if __name__ == "__main__":
    main()
