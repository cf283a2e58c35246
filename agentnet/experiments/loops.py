"""The loops every training script repeats: play an episode, evaluate, checkpoint a run.

A trained agent is deployed as a compiled one-step function,
``react = agent.get_react_function()``, with the contract

.. math::
    (a_t, m^1_{t+1}, \\dots, m^k_{t+1})
        = \\mathrm{react}(o_t[\\mathrm{None}], m^1_t, \\dots, m^k_t)

(batch 1; the memories start at zero). :func:`play_episode` runs that loop
against a gymnasium environment until it terminates, is truncated or reaches
``t_max`` ticks; :func:`evaluate` does it for several seeded episodes, and
:func:`play_episodes` plays one episode in each of several environments at
once, one react call per tick for all the games still running.
:class:`RunCheckpoint` keeps a training run resumable: the weights, the run's
counters, its episode returns and its learning curves in one ``.npz``
(written atomically by :func:`agentnet.utils.persistence.save`; loading never
executes code from the file).
"""
import os

import numpy as np

from ..utils._validation import require_int
from ..utils.persistence import load, read_metadata, save

__all__ = ["play_episode", "play_episodes", "evaluate", "RunCheckpoint"]


def _as_action(actions):
    """The environment's action from a batch-1 react output (an int id or a vector)."""
    action = np.asarray(actions)[0]
    return action.item() if action.ndim == 0 else action


def play_episode(react, env, initial_memories=(), t_max=10000, seed=None, on_step=None):
    """Play one episode with a compiled one-step function.

    Parameters
    ----------
    react : callable
        ``react(observation_batch, *memories) -> [actions, *new_memories]``, as
        compiled by :meth:`agentnet.agent.MDPAgent.get_react_function`.
    env : gymnasium.Env
        Reset with ``seed`` at the start.
    initial_memories : sequence of arrays
        Batch-1 memories before the first tick, e.g.
        ``agent.get_zeros_like_memory(1)``; empty for a memoryless agent.
    t_max : int
        Most ticks played; the episode stops earlier when the environment
        terminates or truncates it.
    seed : int or None
    on_step : callable or None
        Called after every tick as ``on_step(env, observation, reward)``
        (to record frames, say).

    Returns
    -------
    total_reward : float
        :math:`\\sum_t r_t` over the ticks played.
    n_ticks : int
    """
    totals, n_ticks = play_episodes(react, [env], initial_memories, t_max, [seed], on_step)
    return totals[0], n_ticks[0]


def play_episodes(react, envs, initial_memories=(), t_max=10000, seeds=None, on_step=None):
    """Play one episode in each of ``envs`` at once, the running games as one batch.

    Every tick calls ``react`` once on the observations of the games still
    running (a batch of up to ``len(envs)``), then steps each of them; a game
    leaves the batch, with its memories, when its environment terminates or
    truncates it or after ``t_max`` ticks. Each game gets the actions that
    :func:`play_episode` would give it alone, up to the floating-point
    rounding of a larger batch (and a random resolver's draws, which go to the
    games in another order); the number of react outputs drawn is the same.

    Parameters
    ----------
    react : callable
        As in :func:`play_episode`, at any batch size.
    envs : sequence of gymnasium.Env
        One game each, reset at the start (not closed).
    initial_memories : sequence of arrays
        Memories before the first tick, batch ``len(envs)``
        (``agent.get_zeros_like_memory(len(envs))``); empty for a memoryless agent.
    t_max : int
    seeds : sequence of int or None, or None
        The reset seed of each environment.
    on_step : callable or None
        Called after every tick of every game as ``on_step(env, observation, reward)``.

    Returns
    -------
    totals : list of float
        :math:`\\sum_t r_t` of each game, in ``envs`` order.
    n_ticks : list of int
    """
    t_max = require_int(t_max, "t_max")
    seeds = [None] * len(envs) if seeds is None else list(seeds)
    observations = [env.reset(seed=seed)[0] for env, seed in zip(envs, seeds)]
    memories, running = list(initial_memories), list(range(len(envs)))
    totals, n_ticks = [0.0] * len(envs), [0] * len(envs)
    while running:
        outputs = react(np.asarray([observations[i] for i in running]), *memories)
        actions, kept = np.asarray(outputs[0]), []
        for row, game in enumerate(running):
            observations[game], reward, terminated, truncated, _ = envs[game].step(
                _as_action(actions[row:row + 1]))
            totals[game] += float(reward)
            n_ticks[game] += 1
            if on_step is not None:
                on_step(envs[game], observations[game], reward)
            if not (terminated or truncated or n_ticks[game] >= t_max):
                kept.append(row)
        memories = [np.asarray(memory)[kept] for memory in outputs[1:]]
        running = [running[row] for row in kept]
    return totals, n_ticks


def evaluate(react, make_env, n_episodes=1, initial_memories=(), t_max=10000, seed=None):
    """Total reward of ``n_episodes`` episodes played with ``react`` in a fresh environment.

    Parameters
    ----------
    react : callable
        As in :func:`play_episode`.
    make_env : callable
        ``make_env() -> gymnasium.Env``; one environment plays every episode
        and is closed at the end.
    n_episodes : int
    initial_memories, t_max
        As in :func:`play_episode`.
    seed : int or None
        Episode ``i`` is reset with ``seed + i`` (unseeded when None).

    Returns
    -------
    list of float
        The total reward of each episode, in order.
    """
    n_episodes = require_int(n_episodes, "n_episodes")
    env = make_env()
    try:
        return [play_episode(react, env, initial_memories, t_max,
                             None if seed is None else seed + i)[0]
                for i in range(n_episodes)]
    finally:
        env.close()


class RunCheckpoint(object):
    """Weights and progress of a training run in one file, saved atomically and resumed.

    Parameters
    ----------
    networks : layer or list of layers
        Every parameter below them is saved (as :func:`agentnet.utils.persistence.save`).
    path : str
        The ``.npz`` file; its directory is created on the first save.

    Examples
    --------
    >>> checkpoint = RunCheckpoint([qvalues, target_qvalues], "results/run.npz")  # doctest: +SKIP
    >>> checkpoint.save({"env_steps": 4000}, pool.episode_returns, metrics)  # doctest: +SKIP
    >>> counters = checkpoint.resume(pool.episode_returns, metrics)  # doctest: +SKIP
    """

    def __init__(self, networks, path):
        self.networks = networks
        self.path = path

    def exists(self):
        """Whether a checkpoint was saved at :attr:`path`."""
        return os.path.exists(self.path)

    def save(self, counters, episode_returns=(), metrics=None):
        """Write the weights and the run's progress, replacing the previous checkpoint.

        Parameters
        ----------
        counters : dict {str: JSON value}
            How far the run got (env steps, iterations, wall seconds...).
        episode_returns : sequence of float
        metrics : :class:`agentnet.display.Metrics` or dict {name: {x: y}} or None
        """
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        curves = {name: sorted(curve.items()) for name, curve in (metrics or {}).items()}
        progress = {"counters": dict(counters), "metrics": curves,
                    "episode_returns": [float(r) for r in episode_returns]}
        save(self.networks, self.path, metadata=progress)

    def resume(self, episode_returns=None, metrics=None):
        """Load the weights; extend ``episode_returns`` and fill ``metrics`` in place.

        Parameters
        ----------
        episode_returns : list or None
            The run's list of returns (e.g. ``pool.episode_returns``), extended
            with the saved ones.
        metrics : :class:`agentnet.display.Metrics` or None
            Filled with the saved curves (x read back as int).

        Returns
        -------
        dict
            The ``counters`` given to the last :meth:`save`.
        """
        if not self.exists():
            raise FileNotFoundError("no checkpoint to resume at %r" % self.path)
        load(self.networks, self.path)
        progress = read_metadata(self.path)
        if episode_returns is not None:
            episode_returns.extend(progress["episode_returns"])
        for name, points in progress["metrics"].items() if metrics is not None else ():
            metrics[name].update((int(x), y) for x, y in points)
        return progress["counters"]
