"""DQN on CartPole-v1: train, evaluate, save, reload, and deploy with get_react_function.

Run with ``make demo``. Every hyperparameter is a constant below. The agent is
a memoryless MLP; experience is recorded by an EnvPool of parallel games into
a ring-buffer session pool, and trained with n-step Q-learning against a
target network, bootstrapping through CartPole's 500-step time limit.
"""
import argparse
import os
import time
from dataclasses import dataclass

import numpy as np
import theano
import lasagne
from lasagne.layers import DenseLayer, InputLayer
from tqdm import tqdm

from agentnet import Agent
from agentnet.display import Metrics
from agentnet.experiments.openai_gym.pool import EnvPool
from agentnet.learning import qlearning
from agentnet.learning.losses import huber_loss
from agentnet.resolver import EpsilonGreedyResolver
from agentnet.target_network import TargetNetwork
from agentnet.utils.persistence import load, save



@dataclass
class Hyperparameters:
    """Every knob of the run, with the values that solve CartPole-v1 here."""
    env_id: str = "CartPole-v1"
    seed: int = 0
    n_games: int = 8                 # parallel games in the EnvPool
    seq_length: int = 10             # ticks per recorded session (the last only bootstraps)
    pool_size: int = 2000            # sessions kept for replay
    batch_size: int = 32             # sessions per training step
    train_steps_per_update: int = 32  # training steps after each pool update (72 env steps)
    total_env_steps: int = 50000     # budget of environment steps
    n_steps: int = 2                 # n-step look-ahead (n <= 2: every tick bootstraps)
    gamma: float = 0.99              # discount
    learning_rate: float = 1e-3      # Adam
    target_tau: float = 0.005        # soft target update per training step
    epsilon_start: float = 1.0       # exploration, decayed linearly...
    epsilon_end: float = 0.02        # ...to this value...
    epsilon_steps: int = 15000       # ...over this many env steps
    hidden: int = 64                 # units per hidden layer
    eval_every: int = 5000           # env steps between greedy evaluations (5 episodes)
    solved: float = 475              # mean greedy return over 10 episodes that counts as solved


def build_agent(hp):
    """Observation -> hidden -> hidden -> Q(s, .) -> epsilon-greedy action; plus a target network."""
    observation = InputLayer((None, 4), name="observation")
    hidden = DenseLayer(DenseLayer(observation, hp.hidden, name="hidden1"), hp.hidden,
                        name="hidden2")
    qvalues = DenseLayer(hidden, 2, nonlinearity=None, name="qvalues")
    target = TargetNetwork(qvalues, name="target.")
    epsilon = theano.shared(np.float32(hp.epsilon_start), name="epsilon")
    action = EpsilonGreedyResolver(qvalues, epsilon=epsilon, seed=hp.seed, name="action")
    agent = Agent(observation, {}, [qvalues, target.output_layers], action)
    return agent, target, epsilon


def compile_training(hp, agent, pool):
    """One Adam step of n-step Q-learning on a random batch of stored sessions."""
    replay = pool.experience_replay.sample_session_batch(hp.batch_size, replace=True)
    _, _, _, _, (qvalues, target_qvalues) = agent.get_sessions(
        replay, session_length=hp.seq_length, experience_replay=True)
    loss = qlearning.get_elementwise_objective(
        qvalues, replay.actions[0], replay.rewards, replay.is_alive,
        qvalues_target=target_qvalues, n_steps=hp.n_steps, gamma_or_gammas=hp.gamma,
        loss_function=huber_loss, is_truncated=replay.is_truncated)
    loss = loss.sum() / replay.is_alive.sum()
    params = lasagne.layers.get_all_params(agent.policy[0], trainable=True)
    updates = lasagne.updates.adam(loss, params, learning_rate=hp.learning_rate)
    return theano.function([], loss, updates=updates)


def epsilon_at(hp, env_steps):
    fraction = min(1.0, env_steps / float(hp.epsilon_steps))
    return hp.epsilon_start + fraction * (hp.epsilon_end - hp.epsilon_start)


def greedy_returns(pool, epsilon, n_episodes, seed):
    saved = epsilon.get_value()
    epsilon.set_value(np.float32(0))
    returns = pool.evaluate(n_games=n_episodes, verbose=False, seed=seed)
    epsilon.set_value(saved)
    return returns


def train(hp, agent, target, epsilon, pool, train_step):
    """Alternate pool updates and training steps until solved or out of budget.

    Returns the greedy-return curve (a Metrics) and the env steps used.
    """
    metrics, env_steps, next_eval = Metrics(), 0, hp.eval_every
    steps_per_update = hp.n_games * (hp.seq_length - 1)
    with tqdm(total=hp.total_env_steps, unit="env step") as progress:
        while env_steps < hp.total_env_steps:
            epsilon.set_value(np.float32(epsilon_at(hp, env_steps)))
            pool.update(hp.seq_length, append=True, max_size=hp.pool_size)
            env_steps += steps_per_update
            for _ in range(hp.train_steps_per_update):
                loss = train_step()
                target.load_weights(hp.target_tau)
            progress.update(steps_per_update)
            if env_steps >= next_eval:
                next_eval += hp.eval_every
                score = np.mean(greedy_returns(pool, epsilon, 5, seed=10 ** 6 + env_steps))
                metrics["greedy return"][env_steps] = score
                progress.set_postfix(loss="%.3f" % loss, greedy_return="%.0f" % score)
                if score >= hp.solved:
                    break
    return metrics, env_steps


def deploy(hp, weights_path, n_steps=500):
    """Reload the weights into a fresh agent and play one episode with its react function."""
    import gymnasium as gym
    fresh_agent, _, fresh_epsilon = build_agent(hp)
    load(fresh_agent.action_layers, weights_path)
    fresh_epsilon.set_value(np.float32(0))
    react = fresh_agent.get_react_function()
    env = gym.make(hp.env_id)
    observation, _ = env.reset(seed=12345)
    total = 0.0
    for _ in range(n_steps):
        action, = react(observation[None])
        observation, reward, terminated, truncated, _ = env.step(int(action[0]))
        total += reward
        if terminated or truncated:
            break
    return total


def run(hp, out_dir):
    """Train, evaluate, save weights and curve, reload and deploy; returns a summary dict."""
    os.makedirs(out_dir, exist_ok=True)
    np.random.seed(hp.seed)
    lasagne.random.set_rng(np.random.RandomState(hp.seed))
    agent, target, epsilon = build_agent(hp)
    pool = EnvPool(agent, hp.env_id, n_games=hp.n_games, seed=hp.seed)
    started = time.time()
    train_step = compile_training(hp, agent, pool)
    compile_seconds = time.time() - started
    started = time.time()
    metrics, env_steps = train(hp, agent, target, epsilon, pool, train_step)
    train_seconds = time.time() - started
    returns = greedy_returns(pool, epsilon, 10, seed=2024)
    weights_path = os.path.join(out_dir, "cartpole_dqn.npz")
    save(agent.action_layers, weights_path)
    curve_path = os.path.join(out_dir, "cartpole_dqn.png")
    metrics.plot(title="DQN on CartPole-v1 (greedy return vs env steps)", show=False,
                 save_path=curve_path)
    return {"compile_s": compile_seconds, "train_s": train_seconds, "env_steps": env_steps,
            "returns": returns, "weights": weights_path, "curve": curve_path,
            "deployed_return": deploy(hp, weights_path), "solved": np.mean(returns) >= hp.solved}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-steps", type=int, default=Hyperparameters.total_env_steps)
    parser.add_argument("--out", default="examples/results")
    args = parser.parse_args()
    summary = run(Hyperparameters(total_env_steps=args.env_steps), args.out)
    print("compiled the training step in %.0f s" % summary["compile_s"])
    print("trained on %d env steps in %.0f s; greedy return over 10 episodes: mean %.1f, min %.0f"
          % (summary["env_steps"], summary["train_s"], np.mean(summary["returns"]),
             np.min(summary["returns"])))
    print("solved" if summary["solved"] else "not solved")
    print("weights: %s, curve: %s" % (summary["weights"], summary["curve"]))
    print("deployment loop with the reloaded weights: return %.0f" % summary["deployed_return"])


if __name__ == "__main__":
    main()
