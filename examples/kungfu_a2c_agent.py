"""The agent and games of the Kung-Fu Master A2C notebook, importable by name.

Game workers (``RayEnvPool`` actors or ``ProcessEnvPool`` processes) build
their own copy with :func:`build_agent` and the notebook's hyperparameters as
keyword arguments (plain data); the notebook uses :func:`build_networks`.

The agent: frames scaled to [0, 1], a window of the last ``window`` frames,
two convolutions and a dense layer (ELU), an LSTM cell over the dense
features, and from both the policy logits and the state value; actions are
sampled from the softmax policy.
"""
import theano
import theano.tensor as T
from lasagne.layers import (ConcatLayer, Conv2DLayer, DenseLayer, InputLayer, NonlinearityLayer,
                            reshape)
from lasagne.nonlinearities import elu, softmax

from agentnet import Agent
from agentnet.experiments.openai_gym.wrappers import make_atari
from agentnet.memory import LSTMCell, WindowAugmentation
from agentnet.resolver import ProbabilisticResolver

__all__ = ["make_env", "build_networks", "build_agent"]


def make_env(game, screen, **make_kwargs):
    """One game: DQN preprocessing at ``screen`` x ``screen``, one uint8 frame per observation."""
    return make_atari(game, screen_size=screen, stack=1, **make_kwargs)


def _features(screen, window_size, conv_filters, dense_units):
    frame = InputLayer((None, 1, screen, screen), input_var=T.tensor4("frame", dtype="uint8"))
    scaled = NonlinearityLayer(frame, lambda x: T.cast(x, theano.config.floatX) / 255.)
    prev_window = InputLayer((None, window_size, 1, screen, screen), name="prev_window")
    window = WindowAugmentation(scaled, prev_window, name="window")
    conv = Conv2DLayer(reshape(window, ([0], window_size, screen, screen)), conv_filters, 8,
                       stride=4, nonlinearity=elu)
    conv = Conv2DLayer(conv, conv_filters, 4, stride=2, nonlinearity=elu)
    dense = DenseLayer(conv, dense_units, nonlinearity=elu, name="dense")
    return frame, {window: prev_window}, dense


def build_networks(n_actions, screen=64, window=4, conv_filters=32, dense=512, lstm_units=256,
                   seed=0):
    """The learner's agent and its heads: ``{"agent", "logits", "value"}``."""
    frame, memory, dense_layer = _features(screen, window, conv_filters, dense)
    prev_cell = InputLayer((None, lstm_units), name="prev_cell")
    prev_out = InputLayer((None, lstm_units), name="prev_out")
    cell, lstm_out = LSTMCell(prev_cell, prev_out, dense_layer, name="lstm")
    memory.update({cell: prev_cell, lstm_out: prev_out})
    features = ConcatLayer([dense_layer, lstm_out])
    logits = DenseLayer(features, n_actions, nonlinearity=None, name="logits")
    value = DenseLayer(features, 1, nonlinearity=None, name="value")
    action = ProbabilisticResolver(NonlinearityLayer(logits, softmax), seed=seed)
    return {"agent": Agent(frame, memory, [logits, value], action), "logits": logits,
            "value": value}


def build_agent(n_actions, screen=64, window=4, conv_filters=32, dense=512, lstm_units=256,
                seed=0, worker_index=0):
    """A game worker's agent: :func:`build_networks`' agent, its sampler seeded per worker."""
    return build_networks(n_actions, screen, window, conv_filters, dense, lstm_units,
                          seed + 1000 * (worker_index + 1))["agent"]
