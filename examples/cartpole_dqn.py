"""DQN on CartPole-v1: train, evaluate, save, reload, and deploy with get_react_function.

Run with ``make demo``. Every hyperparameter is a constant below. The agent is
a memoryless MLP; experience is recorded by an EnvPool of parallel games into
a ring-buffer session pool, and trained with n-step Q-learning against a
target network, bootstrapping through CartPole's 500-step time limit.
"""
import argparse
import os
import time

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

ENV_ID = "CartPole-v1"
SEED = 0
N_GAMES = 8                 # parallel games in the EnvPool
SEQ_LENGTH = 10             # ticks per recorded session (the last one only bootstraps)
POOL_SIZE = 2000            # sessions kept for replay
BATCH_SIZE = 32             # sessions per training step
TRAIN_STEPS_PER_UPDATE = 32 # training steps after each pool update (72 new env steps)
TOTAL_ENV_STEPS = 50000     # budget of environment steps
N_STEPS = 3                 # n-step Q-learning look-ahead
GAMMA = 0.99                # discount
LEARNING_RATE = 1e-3        # Adam
TARGET_TAU = 0.005          # soft target update per training step
EPSILON_START, EPSILON_END, EPSILON_STEPS = 1.0, 0.02, 15000
HIDDEN = 64                 # units per hidden layer
EVAL_EVERY = 5000           # env steps between greedy evaluations (5 episodes)
SOLVED = 475                # mean greedy return over 10 episodes


def build_agent():
    """Observation -> 64 -> 64 -> Q(s, .) -> epsilon-greedy action; plus the target network."""
    observation = InputLayer((None, 4), name="observation")
    hidden = DenseLayer(DenseLayer(observation, HIDDEN, name="hidden1"), HIDDEN, name="hidden2")
    qvalues = DenseLayer(hidden, 2, nonlinearity=None, name="qvalues")
    target = TargetNetwork(qvalues, name="target.")
    epsilon = theano.shared(np.float32(EPSILON_START), name="epsilon")
    action = EpsilonGreedyResolver(qvalues, epsilon=epsilon, seed=SEED, name="action")
    agent = Agent(observation, {}, [qvalues, target.output_layers], action)
    return agent, target, epsilon


def compile_training(agent, pool):
    """One Adam step of n-step Q-learning on a random batch of stored sessions."""
    replay = pool.experience_replay.sample_session_batch(BATCH_SIZE, replace=True)
    _, _, _, _, (qvalues, target_qvalues) = agent.get_sessions(
        replay, session_length=SEQ_LENGTH, experience_replay=True)
    loss = qlearning.get_elementwise_objective(
        qvalues, replay.actions[0], replay.rewards, replay.is_alive,
        qvalues_target=target_qvalues, n_steps=N_STEPS, gamma_or_gammas=GAMMA,
        loss_function=huber_loss, is_truncated=replay.is_truncated)
    loss = loss.sum() / replay.is_alive.sum()
    params = lasagne.layers.get_all_params(agent.policy[0], trainable=True)
    updates = lasagne.updates.adam(loss, params, learning_rate=LEARNING_RATE)
    return theano.function([], loss, updates=updates)


def epsilon_at(env_steps):
    fraction = min(1.0, env_steps / float(EPSILON_STEPS))
    return EPSILON_START + fraction * (EPSILON_END - EPSILON_START)


def greedy_returns(pool, epsilon, n_episodes, seed):
    saved = epsilon.get_value()
    epsilon.set_value(np.float32(0))
    returns = pool.evaluate(n_games=n_episodes, verbose=False, seed=seed)
    epsilon.set_value(saved)
    return returns


def train(agent, target, epsilon, pool, train_step, budget):
    metrics, env_steps, next_eval = Metrics(), 0, EVAL_EVERY
    steps_per_update = N_GAMES * (SEQ_LENGTH - 1)
    with tqdm(total=budget, unit="env step") as progress:
        while env_steps < budget:
            epsilon.set_value(np.float32(epsilon_at(env_steps)))
            pool.update(SEQ_LENGTH, append=True, max_size=POOL_SIZE)
            env_steps += steps_per_update
            for _ in range(TRAIN_STEPS_PER_UPDATE):
                loss = train_step()
                target.load_weights(TARGET_TAU)
            progress.update(steps_per_update)
            if env_steps >= next_eval:
                next_eval += EVAL_EVERY
                score = np.mean(greedy_returns(pool, epsilon, 5, seed=10 ** 6 + env_steps))
                metrics["greedy return"][env_steps] = score
                progress.set_postfix(loss="%.3f" % loss, greedy_return="%.0f" % score)
                if score >= SOLVED:
                    break
    return metrics, env_steps


def deploy(agent, weights_path, n_steps=500):
    """Reload the weights into a fresh agent and play one episode with its react function."""
    import gymnasium as gym
    fresh_agent, _, fresh_epsilon = build_agent()
    load(fresh_agent.action_layers, weights_path)
    fresh_epsilon.set_value(np.float32(0))
    react = fresh_agent.get_react_function()
    env = gym.make(ENV_ID)
    observation, _ = env.reset(seed=12345)
    total = 0.0
    for _ in range(n_steps):
        action, = react(observation[None])
        observation, reward, terminated, truncated, _ = env.step(int(action[0]))
        total += reward
        if terminated or truncated:
            break
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-steps", type=int, default=TOTAL_ENV_STEPS)
    parser.add_argument("--out", default="examples/results")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    np.random.seed(SEED)
    lasagne.random.set_rng(np.random.RandomState(SEED))
    agent, target, epsilon = build_agent()
    pool = EnvPool(agent, ENV_ID, n_games=N_GAMES, seed=SEED)
    started = time.time()
    train_step = compile_training(agent, pool)
    print("compiled the training step in %.0f s" % (time.time() - started))
    started = time.time()
    metrics, env_steps = train(agent, target, epsilon, pool, train_step, args.env_steps)
    seconds = time.time() - started
    returns = greedy_returns(pool, epsilon, 10, seed=2024)
    print("trained on %d env steps in %.0f s; greedy return over 10 episodes: mean %.1f, min %.0f"
          % (env_steps, seconds, np.mean(returns), np.min(returns)))
    print("solved" if np.mean(returns) >= SOLVED else "not solved (mean < %d)" % SOLVED)
    weights_path = os.path.join(args.out, "cartpole_dqn.npz")
    save(agent.action_layers, weights_path)
    metrics.plot(title="DQN on CartPole-v1", show=False,
                 save_path=os.path.join(args.out, "cartpole_dqn.png"))
    print("weights: %s, curve: %s" % (weights_path, os.path.join(args.out, "cartpole_dqn.png")))
    print("deployment loop with the reloaded weights: return %.0f" % deploy(agent, weights_path))


if __name__ == "__main__":
    main()
