"""Slow, obvious numpy references of the learning maths, shared by the learning tests.

Written from the definitions, looping over sessions and ticks, without any
attempt at speed.
"""
import numpy as np


def end_indicator(is_alive, force_end_at_t_max=False):
    """1 at the last alive tick of each session that ends inside the window."""
    n_sessions, n_ticks = is_alive.shape
    ends = np.zeros((n_sessions, n_ticks), dtype=int)
    for b in range(n_sessions):
        for t in range(n_ticks - 1):
            ends[b, t] = int(is_alive[b, t] == 1 and is_alive[b, t + 1] == 0)
        if force_end_at_t_max and ends[b].sum() == 0:
            ends[b, -1] = 1
    return ends


def is_bootstrap_tick(t, n_ticks, n_steps, crop_last):
    """Whether tick t bootstraps from the next value (AgentNet's rule)."""
    crop = int(crop_last)
    if n_steps is None:
        return t == n_ticks - 1 - crop
    return (n_ticks - 1 - t + crop) % n_steps == 0


def n_step_reference(values, rewards, is_alive=None, n_steps=None, gamma=0.99, crop_last=True,
                     values_after_end=None, end_at_tmax=False, is_truncated=None):
    """Look forward from every tick t to the first tick b >= t that ends or bootstraps.

    R_t = sum_{k=t}^{b} (prod_{j=t}^{k-1} gamma_j) r_k
          + (prod_{j=t}^{b} gamma_j) V'_b        unless the session ends (terminally) at b
    """
    n_sessions, n_ticks = rewards.shape
    is_alive = np.ones_like(rewards) if is_alive is None else is_alive
    truncated = np.zeros_like(rewards) if is_truncated is None else is_truncated
    after = np.zeros(n_sessions) if values_after_end is None else np.ravel(values_after_end)
    gammas = np.broadcast_to(np.asarray(gamma, dtype=float).reshape(
        (-1, 1) if np.ndim(gamma) == 1 else np.shape(gamma)), (n_sessions, n_ticks))
    ends = end_indicator(is_alive, end_at_tmax)
    references = np.zeros((n_sessions, n_ticks))
    for b in range(n_sessions):
        for t in range(n_ticks):
            total, discount = 0.0, 1.0
            for k in range(t, n_ticks):
                total += discount * rewards[b, k]
                discount *= gammas[b, k]
                if ends[b, k] and not truncated[b, k]:
                    break
                if truncated[b, k] or is_bootstrap_tick(k, n_ticks, n_steps, crop_last):
                    next_value = values[b, k + 1] if k + 1 < n_ticks else after[b]
                    total += discount * next_value
                    break
            references[b, t] = total
        if crop_last:
            references[b, -1] = values[b, -1]
    return references


def monte_carlo_return(rewards, is_alive, gamma):
    """Discounted sum of the rewards of alive ticks, to the end of the session."""
    n_sessions, n_ticks = rewards.shape
    returns = np.zeros((n_sessions, n_ticks))
    for b in range(n_sessions):
        for t in range(n_ticks):
            returns[b, t] = sum(gamma ** (k - t) * rewards[b, k] * is_alive[b, k]
                                for k in range(t, n_ticks))
    return returns


def random_sessions(rng, n_sessions=3, n_ticks=7, n_actions=4, early_ends=True):
    """Random Q-values, actions, rewards and an is_alive mask with some early ends."""
    qvalues = rng.randn(n_sessions, n_ticks, n_actions)
    actions = rng.randint(0, n_actions, size=(n_sessions, n_ticks)).astype("int32")
    rewards = rng.randn(n_sessions, n_ticks)
    is_alive = np.ones((n_sessions, n_ticks))
    if early_ends:
        for b in range(n_sessions):
            length = rng.randint(2, n_ticks + 1)
            is_alive[b, length:] = 0
            rewards[b, length:] = 0
    return qvalues, actions, rewards, is_alive
