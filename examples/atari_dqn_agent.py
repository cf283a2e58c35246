"""The agent and games of the Atari DQN notebook, importable by name.

Game workers (``RayEnvPool`` actors or ``ProcessEnvPool`` processes) build
their own copy of the agent by importing :func:`build_agent` from here with
the notebook's hyperparameters as keyword arguments (plain data), and make
their games with :func:`make_env`; the notebook uses :func:`build_networks`
for the learner's copy, which also holds the target network.

The agent: uint8 84x84 frames, a window of the last ``window`` frames kept as
uint8 (one byte per pixel in the replay pool) and scaled to [0, 1] after it,
three convolutions and a dense layer (the Nature DQN network), Q-values,
epsilon-greedy actions.
"""
import numpy as np
import theano
import theano.tensor as T
from lasagne.layers import Conv2DLayer, DenseLayer, InputLayer, NonlinearityLayer, reshape

from agentnet import Agent
from agentnet.experiments.openai_gym.wrappers import make_atari
from agentnet.memory import WindowAugmentation
from agentnet.resolver import EpsilonGreedyResolver
from agentnet.target_network import TargetNetwork

__all__ = ["make_env", "build_networks", "build_agent", "exploration"]


def make_env(game, terminal_on_life_loss=True, fire_reset=True, **make_kwargs):
    """One training game: DQN preprocessing, one 84x84 uint8 frame per observation."""
    return make_atari(game, stack=1, terminal_on_life_loss=terminal_on_life_loss,
                      fire_reset=fire_reset, **make_kwargs)


def _scaled_window(window_size):
    frame = InputLayer((None, 1, 84, 84), input_var=T.tensor4("frame", dtype="uint8"),
                       name="frame")
    uint8_window = T.TensorType("uint8", (False,) * 5)("prev_window")
    prev_window = InputLayer((None, window_size, 1, 84, 84), input_var=uint8_window,
                             name="prev_window")
    window = WindowAugmentation(frame, prev_window, name="window")
    scaled = NonlinearityLayer(reshape(window, ([0], window_size, 84, 84)),
                               lambda x: T.cast(x, theano.config.floatX) / 255., name="scaled")
    return frame, window, prev_window, scaled


def _q_network(scaled, conv_filters, dense_units, n_actions):
    conv = scaled
    for index, (filters, size, stride) in enumerate(zip(conv_filters, (8, 4, 3), (4, 2, 1))):
        conv = Conv2DLayer(conv, filters, size, stride=stride, name="conv%i" % (index + 1))
    dense = DenseLayer(conv, dense_units, name="dense")
    return DenseLayer(dense, n_actions, nonlinearity=None, name="qvalues")


def build_networks(n_actions, window=4, conv_filters=(32, 64, 64), dense=512, seed=0,
                   epsilon=1.0):
    """The learner's agent and its parts.

    Returns
    -------
    dict
        ``agent`` (policy: the Q-values), ``qvalues``, ``target`` (a
        :class:`TargetNetwork` above the scaled window; the notebook evaluates
        it only on the ticks its reference reads), ``window`` (the
        :class:`WindowAugmentation`, the memory to feed the target network
        with), ``epsilon`` (the resolver's shared exploration rate).
    """
    frame, window_layer, prev_window, scaled = _scaled_window(window)
    qvalues = _q_network(scaled, conv_filters, dense, n_actions)
    target = TargetNetwork(qvalues, bottom_layers=scaled, name="target.")
    epsilon_var = theano.shared(np.float32(epsilon), name="epsilon")
    action = EpsilonGreedyResolver(qvalues, epsilon=epsilon_var, seed=seed, name="action")
    agent = Agent(frame, {window_layer: prev_window}, [qvalues], action)
    return {"agent": agent, "qvalues": qvalues, "target": target, "window": window_layer,
            "epsilon": epsilon_var}


def build_agent(n_actions, window=4, conv_filters=(32, 64, 64), dense=512, seed=0, epsilon=1.0,
                worker_index=0):
    """A game worker's agent: :func:`build_networks`' agent, its resolver seeded per worker."""
    return build_networks(n_actions, window, conv_filters, dense, seed + 1000 * (worker_index + 1),
                          epsilon)["agent"]


def exploration(agent):
    """The shared variables a worker takes from the learner with the weights: epsilon."""
    return [agent.action_layers[0].epsilon]
