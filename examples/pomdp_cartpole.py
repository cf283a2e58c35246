"""Recurrent DQN on a partially observed CartPole: the velocities are hidden.

The agent sees only the cart position and the pole angle, so it must infer
both velocities from what it saw before: a memoryless agent cannot balance
the pole for long, a recurrent one (a GRU cell) can. The recurrent agent is
trained R2D2-style (Kapturowski et al. 2019): whole sessions replayed from the
memory stored before their first tick, a few burn-in ticks that only refresh
that memory, prioritized session replay, double Q-learning and a target
network with its own memory. Every hyperparameter is a field of
``Hyperparameters``; its switches give the memoryless agent and the ablations
(no burn-in, no priorities).

Run with ``python examples/pomdp_cartpole.py --seed S [--variant NAME]``.
"""
import argparse
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Optional

import gymnasium as gym
import numpy as np
import theano
import lasagne
from lasagne.layers import DenseLayer, InputLayer

from agentnet import Agent
from agentnet.display import Metrics
from agentnet.environment import PrioritizedSessionSampler
from agentnet.experiments.openai_gym.pool import EnvPool
from agentnet.learning import qlearning
from agentnet.learning.double_q import double_q_values
from agentnet.learning.generic import get_values_for_actions
from agentnet.learning.losses import huber_loss
from agentnet.memory import GRUCell
from agentnet.resolver import EpsilonGreedyResolver
from agentnet.target_network import TargetNetwork
from cartpole_dqn import epsilon_at, evaluate, final_check, mark_game_overs, training_mode

STARTED = time.time()  # after the imports: the printed wall time is the run's


class VelocitiesHidden(gym.ObservationWrapper):
    r"""CartPole with only :math:`(x, \theta)` observed: cart velocity and pole velocity hidden.

    CartPole's state is :math:`(x, \dot x, \theta, \dot\theta)`; this wrapper
    keeps entries 0 and 2 and divides them by the thresholds that end an
    episode (2.4 and 12 degrees), so an observation is float32 ``[2]``
    within [-1, 1] while the episode lasts.
    """

    KEPT = [0, 2]
    SCALE = np.array([2.4, 12 * np.pi / 180], dtype=np.float32)

    def __init__(self, env):
        super().__init__(env)
        space = env.observation_space
        self.observation_space = gym.spaces.Box(space.low[self.KEPT] / self.SCALE,
                                                space.high[self.KEPT] / self.SCALE,
                                                dtype=np.float32)

    def observation(self, observation):
        """The full state ``[4]`` -> scaled position and angle ``[2]``."""
        return np.asarray(observation, dtype=np.float32)[self.KEPT] / self.SCALE


def make_env():
    """A CartPole-v1 whose observations hide both velocities."""
    return VelocitiesHidden(gym.make("CartPole-v1"))


@dataclass
class Hyperparameters:
    """Every knob of a run; the defaults are the recurrent agent with all its parts."""
    seed: int = 0
    memory_units: int = 64           # GRU units; 0: memoryless agent (a dense layer instead)
    burn_in: int = 8                 # ticks replayed only to refresh the stored memory; 0: none
    prioritized: bool = True         # prioritized session replay; False: uniform draws
    n_games: int = 8                 # parallel games in the EnvPool
    seq_length: int = 24             # ticks per recorded session (the last only bootstraps)
    pool_size: int = 4000            # sessions kept for replay (92,000 played ticks)
    batch_size: int = 32             # sessions per training step
    train_steps_per_update: int = 8  # training steps after each pool update (184 env steps)
    learning_starts: int = 2000      # env steps played before the first training step
    total_env_steps: int = 300000    # budget of environment steps
    n_steps: Optional[int] = None    # look-ahead; None: to the session's end, all bootstrap
    gamma: float = 0.99              # discount
    learning_rate: float = 3e-3      # Adam
    max_grad_norm: float = 10.       # total gradient norm clip
    target_every: int = 200          # training steps between hard copies into the target network
    epsilon_start: float = 1.0       # exploration, decayed linearly...
    epsilon_end: float = 0.02        # ...to this value...
    epsilon_steps: int = 20000       # ...over this many env steps
    hidden: int = 64                 # units of the dense layer under the memory
    alpha: float = 0.6               # priority exponent of the sampler
    beta_start: float = 0.4          # importance-sampling exponent, annealed linearly to 1
    eta: float = 0.9                 # max/mean mix of session priorities (R2D2)
    eval_every: int = 2000           # env steps between greedy evaluations (5 episodes)
    solved: float = 475              # mean greedy return over 10 episodes that counts as solved


VARIANTS = {
    "recurrent": {},
    "memoryless": {"memory_units": 0, "burn_in": 0},
    "no burn-in": {"burn_in": 0},
    "no priorities": {"prioritized": False},
}


def variant(hp, name):
    """``hp`` with the switches of a named variant of ``VARIANTS`` applied."""
    if name not in VARIANTS:
        raise ValueError("`name` must be one of %s, got %r" % (sorted(VARIANTS), name))
    return replace(hp, **VARIANTS[name])


def build_body(hp, features):
    """The layer under the Q-values and the memories it needs ``{new state: previous state}``."""
    if hp.memory_units == 0:
        return DenseLayer(features, hp.hidden, name="hidden2"), OrderedDict()
    prev_memory = InputLayer((None, hp.memory_units), name="prev_memory")
    memory = GRUCell(prev_memory, features, name="gru")
    return memory, OrderedDict([(memory, prev_memory)])


def build_target(observation, qvalues, body, memories):
    """A target network; a recurrent one gets its own memory, stored and replayed like the agent's.

    Returns ``(target, target_qvalues, memories)`` with the target's memory added.
    """
    if not memories:
        target = TargetNetwork(qvalues, name="target.")
        return target, target.output_layers, memories
    (memory, prev_memory), = memories.items()
    prev_target = InputLayer(prev_memory.shape, name="target.prev_memory")
    # Both inputs named: the observation shared, the previous memory replaced by the target's own.
    target = TargetNetwork([qvalues, body], share_inputs=False, name="target.",
                           bottom_layers={observation: observation, prev_memory: prev_target})
    target_qvalues, target_memory = target.output_layers
    return target, target_qvalues, OrderedDict([(memory, prev_memory),
                                                (target_memory, prev_target)])


def build_agent(hp):
    r"""Observation ``[2]`` -> dense -> GRU (or dense) -> :math:`Q(h_t, \cdot)` -> epsilon-greedy.

    Returns ``(agent, target, epsilon)``; the agent's policy is
    ``[qvalues, target_qvalues]``.
    """
    observation = InputLayer((None, len(VelocitiesHidden.KEPT)), name="observation")
    features = DenseLayer(observation, hp.hidden, name="hidden1")
    body, memories = build_body(hp, features)
    qvalues = DenseLayer(body, 2, nonlinearity=None, name="qvalues")
    target, target_qvalues, memories = build_target(observation, qvalues, body, memories)
    epsilon = theano.shared(np.float32(hp.epsilon_start), name="epsilon")
    action = EpsilonGreedyResolver(qvalues, epsilon=epsilon, seed=hp.seed, name="action")
    agent = Agent(observation, memories, [qvalues, target_qvalues], action)
    return agent, target, epsilon


def replay_batch(hp, pool):
    """The batch the step replays, and the sampler drawing it (None: uniform draws)."""
    if not hp.prioritized:
        return pool.experience_replay.sample_session_batch(hp.batch_size, replace=True), None
    sampler = PrioritizedSessionSampler(pool.experience_replay, batch_size=hp.batch_size,
                                        alpha=hp.alpha, beta=hp.beta_start, eta=hp.eta,
                                        seed=hp.seed)
    return sampler.get_session_batch(), sampler


def learning_ticks(hp, batch, qvalues, target_qvalues):
    r"""Huber losses and TD errors ``[batch, tick - burn_in]`` of the learning ticks.

    The reference is the double-Q n-step return
    :math:`R_t = \sum_{k<n} \gamma^k r_{t+k} + \gamma^n Q'(s_{t+n}, \arg\max_a Q(s_{t+n}, a))`
    and the TD error :math:`\delta_t = R_t - Q(s_t, a_t)`.
    """
    arguments = (qvalues, batch.actions[0], batch.rewards, batch.is_alive)
    options = dict(state_values_target=double_q_values(qvalues, target_qvalues),
                   n_steps=hp.n_steps, gamma_or_gammas=hp.gamma, is_truncated=batch.is_truncated)
    losses = qlearning.get_elementwise_objective(*arguments, loss_function=huber_loss, **options)
    reference = qlearning.get_elementwise_objective(*arguments, return_reference=True, **options)
    td_errors = reference - get_values_for_actions(qvalues, batch.actions[0])
    return losses[:, hp.burn_in:], td_errors[:, hp.burn_in:]


def compile_training(hp, agent, pool):
    r"""One Adam step on a replayed batch; returns ``(step, sampler)``.

    ``step()`` returns the loss, the TD errors and the alive flags of the
    learning ticks. The loss is :math:`\sum_{i,t} w_i\, \mathrm{huber}(\delta_{i,t})
    / \sum_{i,t} alive_{i,t}` over ticks ``burn_in..`` with importance
    weights :math:`w_i` (1 without priorities).
    """
    batch, sampler = replay_batch(hp, pool)
    _, _, _, _, (qvalues, target_qvalues) = agent.get_sessions(
        batch, session_length=hp.seq_length, experience_replay=True, burn_in=hp.burn_in,
        zero_memory_on_reset=True, unroll_scan=False)
    losses, td_errors = learning_ticks(hp, batch, qvalues, target_qvalues)
    alive = batch.is_alive[:, hp.burn_in:]
    weights = 1 if sampler is None else sampler.weights[:, None]
    loss = (weights * losses).sum() / alive.sum()
    params = lasagne.layers.get_all_params(agent.policy[0], trainable=True)
    gradients = lasagne.updates.total_norm_constraint(theano.grad(loss, params),
                                                      hp.max_grad_norm)
    updates = lasagne.updates.adam(gradients, params, learning_rate=hp.learning_rate)
    step = theano.function([], [loss, td_errors, alive], updates=updates, mode=training_mode())
    return step, sampler


def prepare(hp):
    """Seed, build the agent, its EnvPool and the training step.

    Returns ``(target, epsilon, pool, step, sampler, compile_seconds)``.
    """
    np.random.seed(hp.seed)
    lasagne.random.set_rng(np.random.RandomState(hp.seed))
    agent, target, epsilon = build_agent(hp)
    pool = EnvPool(agent, make_env, n_games=hp.n_games, seed=hp.seed)
    pool.experience_replay.rng.seed(hp.seed)
    started = time.time()
    step, sampler = compile_training(hp, agent, pool)
    return target, epsilon, pool, step, sampler, time.time() - started


def learn(hp, target, step, sampler, n_trained, env_steps):
    """``train_steps_per_update`` steps (priorities updated, beta annealed); target copies."""
    for k in range(n_trained + 1, n_trained + hp.train_steps_per_update + 1):
        if sampler is not None:
            sampler.beta = min(1., hp.beta_start
                               + (1. - hp.beta_start) * env_steps / hp.total_env_steps)
            sampler.sample()
        loss, td_errors, alive = step()
        if sampler is not None:
            sampler.update_priorities(td_errors, alive)
        if k % hp.target_every == 0:
            target.load_weights()
    return loss


def train(hp, on_evaluation=None):
    """Train one agent until solved or out of budget; returns a summary dict.

    ``on_evaluation(env_steps, greedy_return)``, if given, is called after
    every 5-episode greedy evaluation. The summary holds ``metrics`` (the
    greedy-return curve), ``env_steps``, ``returns`` (the 10-episode final
    check), ``solved``, ``compile_s`` and ``train_s`` (wall seconds).
    """
    target, epsilon, pool, step, sampler, compile_seconds = prepare(hp)
    started, metrics = time.time(), Metrics()
    env_steps, n_trained, next_eval, returns = 0, 0, hp.eval_every, None
    preprocess = mark_game_overs(pool)
    while env_steps < hp.total_env_steps and returns is None:
        epsilon.set_value(np.float32(epsilon_at(hp, env_steps)))
        pool.update(hp.seq_length, append=True, max_size=hp.pool_size, preprocess=preprocess)
        env_steps += hp.n_games * (hp.seq_length - 1)
        if env_steps >= hp.learning_starts:
            learn(hp, target, step, sampler, n_trained, env_steps)
            n_trained += hp.train_steps_per_update
        if env_steps >= next_eval:
            next_eval += hp.eval_every
            returns = evaluate(hp, pool, epsilon, env_steps, metrics)
            returns = returns if returns is not None and np.mean(returns) >= hp.solved else None
            if on_evaluation is not None:
                on_evaluation(env_steps, metrics["greedy return"][env_steps])
    returns = final_check(pool, epsilon) if returns is None else returns
    return {"metrics": metrics, "env_steps": env_steps, "returns": returns,
            "solved": bool(np.mean(returns) >= hp.solved), "compile_s": compile_seconds,
            "train_s": time.time() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=Hyperparameters.seed)
    parser.add_argument("--variant", default="recurrent", choices=sorted(VARIANTS))
    parser.add_argument("--env-steps", type=int, default=Hyperparameters.total_env_steps)
    args = parser.parse_args()
    hp = variant(Hyperparameters(seed=args.seed, total_env_steps=args.env_steps), args.variant)
    summary = train(hp, on_evaluation=lambda steps, score: print(
        "%7d env steps, %6.0f s: greedy return %.1f" % (steps, time.time() - STARTED, score),
        flush=True))
    print("compiled in %.0f s; %d env steps in %.0f s; final greedy mean over 10 episodes %.1f "
          "(min %.0f); %s; total wall time %.0f s"
          % (summary["compile_s"], summary["env_steps"], summary["train_s"],
             np.mean(summary["returns"]), np.min(summary["returns"]),
             "solved" if summary["solved"] else "not solved", time.time() - STARTED))


if __name__ == "__main__":
    main()
