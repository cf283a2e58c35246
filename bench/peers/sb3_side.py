"""The Stable-Baselines3 side of ``make bench-peers``: one measurement per process.

Runs in bench/peers/.venv (Python 3.11, torch CPU, 2 threads) and prints one
``RESULT {json}`` line for :mod:`run` to read. Usage::

    python sb3_side.py cartpole --seed S --budget STEPS
    python sb3_side.py atari --window STEPS
    python sb3_side.py train-step
    python sb3_side.py react --net mlp|cnn
    python sb3_side.py replay
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _common import emit, time_per_call  # noqa: E402

THREADS = 2
# rl-zoo's DQN hyperparameters for CartPole-v1 (also in shared/STACK.md).
CARTPOLE_ZOO = dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100000, learning_starts=1000,
                    gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
                    exploration_fraction=0.16, exploration_final_eps=0.04,
                    policy_kwargs=dict(net_arch=[256, 256]))
EVAL_EVERY, EVAL_EPISODES, SOLVED = 1024, 10, 475.0
ATARI_DQN = dict(batch_size=32, train_freq=4, gradient_steps=1, buffer_size=100000,
                 learning_starts=1000)
ATARI_WARMUP = 100            # env steps after learning starts before the window opens


def make_breakout():
    """Breakout with the DQN preprocessing: uint8 observations of shape [4, 84, 84]."""
    import ale_py
    import gymnasium as gym
    gym.register_envs(ale_py)
    env = gym.make("ALE/Breakout-v5", frameskip=1)
    env = gym.wrappers.AtariPreprocessing(env, frame_skip=4)
    return gym.wrappers.FrameStackObservation(env, 4)


def greedy_mean_return(model, env, n_episodes, seed):
    """Mean return of ``n_episodes`` played with ``model.predict(deterministic=True)``."""
    returns = []
    observation, _ = env.reset(seed=seed)
    for _ in range(n_episodes):
        total, done = 0.0, False
        while not done:
            action, _ = model.predict(observation, deterministic=True)
            observation, reward, terminated, truncated, _ = env.step(int(action))
            total, done = total + reward, terminated or truncated
        returns.append(total)
        observation, _ = env.reset()
    return float(np.mean(returns))


def solve_callback(seed):
    """A callback that evaluates greedily every EVAL_EVERY env steps and stops once solved."""
    import gymnasium as gym
    from stable_baselines3.common.callbacks import BaseCallback

    class StopWhenSolved(BaseCallback):
        def _on_training_start(self):
            self.eval_env, self.scores = gym.make("CartPole-v1"), []

        def _on_step(self):
            if self.num_timesteps % EVAL_EVERY:
                return True
            score = greedy_mean_return(self.model, self.eval_env, EVAL_EPISODES, 10 ** 6 + seed)
            self.scores.append((self.num_timesteps, score))
            return score < SOLVED
    return StopWhenSolved()


def cartpole(args):
    """Train rl-zoo's DQN on CartPole-v1 until solved or out of budget."""
    from stable_baselines3 import DQN
    started = time.perf_counter()
    model = DQN("MlpPolicy", "CartPole-v1", seed=args.seed, **CARTPOLE_ZOO)
    callback = solve_callback(args.seed)
    model.learn(total_timesteps=args.budget, callback=callback)
    last_steps, last_score = callback.scores[-1] if callback.scores else (args.budget, 0.0)
    return {"seed": args.seed, "in_process_s": time.perf_counter() - started,
            "solved": last_score >= SOLVED, "env_steps": int(last_steps),
            "last_eval": last_score}


def window_callback(open_at, close_at):
    """A callback that records the time at env steps ``open_at`` and ``close_at``, then stops."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Window(BaseCallback):
        def _on_training_start(self):
            self.times = []

        def _on_step(self):
            if self.num_timesteps in (open_at, close_at):
                self.times.append(time.perf_counter())
            return self.num_timesteps < close_at
    return Window()


def atari(args):
    """Env steps per second of DQN("CnnPolicy") on Breakout over a window after learning starts."""
    from stable_baselines3 import DQN
    model = DQN("CnnPolicy", make_breakout(), seed=0, **ATARI_DQN)
    open_at = ATARI_DQN["learning_starts"] + ATARI_WARMUP
    callback = window_callback(open_at, open_at + args.window)
    model.learn(total_timesteps=open_at + args.window + 1, callback=callback)
    opened, closed = callback.times
    return {"steps_per_s": args.window / (closed - opened), "window": args.window}


def train_step(args):
    """Milliseconds per ``model.train(gradient_steps=1, batch_size=32)`` of Breakout's DQN.

    The learner alone, no env steps: one batch of 32 sampled from the replay
    buffer, the target network on its 32 next observations, the online
    network forward and backward, one Adam step. The buffer is filled by a
    short ``learn`` call first (which also warms torch up).
    """
    from stable_baselines3 import DQN
    model = DQN("CnnPolicy", make_breakout(), seed=0, **ATARI_DQN)
    model.learn(total_timesteps=ATARI_DQN["learning_starts"] + ATARI_WARMUP)
    repeats = 10 if args.quick else 50
    seconds = time_per_call(lambda: model.train(gradient_steps=1, batch_size=32), [], repeats)
    return {"step_ms": 1e3 * seconds}


def react(args):
    """Microseconds per ``model.predict(obs, deterministic=True)`` call at batch 1."""
    import gymnasium as gym
    from stable_baselines3 import DQN
    if args.net == "mlp":
        env, policy, kwargs = gym.make("CartPole-v1"), "MlpPolicy", dict(net_arch=[64, 64])
    else:
        env, policy, kwargs = make_breakout(), "CnnPolicy", None
    model = DQN(policy, env, buffer_size=1000, policy_kwargs=kwargs, seed=0)
    observation, _ = env.reset(seed=0)
    repeats = {"mlp": 5000, "cnn": 200}[args.net] // (10 if args.quick else 1)
    seconds = time_per_call(lambda: model.predict(observation, deterministic=True), [], repeats)
    return {"net": args.net, "predict_us": 1e6 * seconds}


def replay(args):
    """Bytes per transition of a ReplayBuffer of Breakout frame stacks (no memory optimisation).

    Sums the ``nbytes`` of the arrays it allocates (observations, next
    observations, actions, rewards, dones, timeouts) and divides by its size.
    """
    from stable_baselines3.common.buffers import ReplayBuffer
    env, size = make_breakout(), 100000
    buffer = ReplayBuffer(size, env.observation_space, env.action_space, device="cpu",
                          optimize_memory_usage=False)
    arrays = [value for value in vars(buffer).values() if isinstance(value, np.ndarray)]
    return {"bytes_per_transition": sum(a.nbytes for a in arrays) / float(size),
            "arrays": sorted(name for name, value in vars(buffer).items()
                             if isinstance(value, np.ndarray))}


def versions():
    """Versions of Python, torch, Stable-Baselines3, gymnasium and ale-py, and torch's threads."""
    import ale_py
    import gymnasium
    import stable_baselines3
    import torch
    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "stable_baselines3": stable_baselines3.__version__, "gymnasium": gymnasium.__version__,
            "ale_py": ale_py.__version__, "torch_threads": torch.get_num_threads()}


MEASUREMENTS = {"cartpole": cartpole, "atari": atari, "train-step": train_step, "react": react,
                "replay": replay,
                "versions": lambda args: versions()}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measurement", choices=sorted(MEASUREMENTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=int, default=50000)
    parser.add_argument("--window", type=int, default=2000)
    parser.add_argument("--net", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--quick", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    import torch
    torch.set_num_threads(THREADS)
    args = parse_args(argv)
    emit(MEASUREMENTS[args.measurement](args))


if __name__ == "__main__":
    main()
