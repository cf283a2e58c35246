"""A Ray Tune sweep of the CartPole DQN demo: 3 seeds x 2 learning rates, a table and a plot.

Each trial is ``examples/cartpole_dqn.py``'s training with that seed and
learning rate, reporting its greedy return at every evaluation; the sweep
prints one row per trial (best first) and draws every trial's curve into
``<out>/ray_tune_cartpole.png``. A local Ray is started and stopped (give
``--address auto`` to use a running cluster instead).

Usage: ``python examples/ray_tune_cartpole.py [--out DIR] [--smoke]``
(``--smoke``, or ``AGENTNET_SMOKE=1``: 2 trials of 900 env steps, for the tests).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SEEDS, LEARNING_RATES = [0, 1, 2], [1e-3, 4e-3]
SMOKE_SEEDS, SMOKE_LEARNING_RATES = [0], [1e-3, 4e-3]
#: Hyperparameters of a smoke trial besides its seed and learning rate.
SMOKE_BUDGET = {"total_env_steps": 900, "learning_starts": 300, "eval_every": 300}


def train_cartpole(config, report):
    """One Tune trial: the demo's training with ``config``'s fields; reports every evaluation."""
    os.environ["TQDM_DISABLE"] = "1"  # Tune shows the progress; one bar per trial would flood it
    import cartpole_dqn
    hp = cartpole_dqn.Hyperparameters(**config)
    agent, target, epsilon, pool, train_step, _ = cartpole_dqn.prepare(hp)
    cartpole_dqn.train(hp, agent, target, epsilon, pool, train_step,
                       on_evaluation=lambda env_steps, score: report(env_steps=env_steps,
                                                                     greedy_return=score))


def param_space(smoke):
    """Tune's grid: seeds x learning rates (and the small budget in smoke mode)."""
    from ray import tune
    space = {"seed": tune.grid_search(SMOKE_SEEDS if smoke else SEEDS),
             "learning_rate": tune.grid_search(SMOKE_LEARNING_RATES if smoke else LEARNING_RATES)}
    return dict(space, **SMOKE_BUDGET) if smoke else space


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/results")
    parser.add_argument("--smoke", action="store_true",
                        default=os.environ.get("AGENTNET_SMOKE", "0") == "1")
    parser.add_argument("--address", default=None)
    args = parser.parse_args(argv)
    from agentnet.distributed.tune import run_sweep
    os.makedirs(args.out, exist_ok=True)
    results = run_sweep(train_cartpole, param_space(args.smoke), metric="greedy_return",
                        max_concurrent_trials=2, address=args.address,
                        storage_path=os.path.abspath(os.path.join(args.out, "ray_results")),
                        name="cartpole_sweep")
    print(results)
    plot_path = os.path.join(args.out, "ray_tune_cartpole.png")
    results.plot(save_path=plot_path, title="DQN on CartPole-v1: greedy return per trial")
    print("curves:", plot_path)
    return results


if __name__ == "__main__":
    main()
