r"""A toy reasoning problem: find out a hidden category by asking about its causes.

The world hides three binary factors :math:`X_1, X_2, X_3` (independent,
uniform) and two categories :math:`Y_1 = X_1`, :math:`Y_2 = 1 - X_1`. Each tick
the agent opens one of them or ends the session:

========================  ===========================
action                    reward
========================  ===========================
open :math:`X_i`          +1 if it is 1, -1 otherwise
open :math:`Y_j`          +3 if it is 1, -3 otherwise
open something again      -0.5
end the session           0 (and 0 ever after)
========================  ===========================

The best policy opens :math:`X_1`, then the :math:`Y` it implies: about +3
per session (+1 or -1, then +3).
"""
import numpy as np
import theano
import theano.tensor as T

from ...environment.base import BaseEnvironment
from ...objective.base import BaseObjective
from ...utils.shared import create_shared

__all__ = ["n_attrs", "n_categories", "x_names", "y_names", "BooleanReasoningEnvironment"]

n_attrs = 3
n_categories = 2
x_names = ["X%i" % (i + 1) for i in range(n_attrs)]
y_names = ["Y%i" % (i + 1) for i in range(n_categories)]


class BooleanReasoningEnvironment(BaseObjective, BaseEnvironment):
    """The boolean-reasoning MDP for a batch of hidden worlds.

    State ``[batch, 6]``: 1 where a factor (or the end action, column 5) has
    been opened. Observation ``[batch, 8]``: the opened factor's value (one of
    the 6 columns of ``joint_data``), whether the session has ended, and the
    one-hot action. Actions: ids 0-2 open X1-X3, 3-4 open Y1-Y2, 5 ends.
    """

    feature_names = x_names + y_names + ["End_session_now"]
    n_actions = 6

    def __init__(self):
        self.attributes = create_shared("X_attrs_data", np.zeros((1, n_attrs)), "uint8")
        self.categories = create_shared("categories_data", np.zeros((1, n_categories)), "uint8")
        self.batch_size = self.attributes.shape[0]
        ends = T.zeros((self.batch_size, 1), dtype="uint8")
        self.joint_data = T.cast(T.concatenate([self.attributes, self.categories, ends], axis=1),
                                 theano.config.floatX)
        self.category_action_ids = T.arange(n_attrs, n_attrs + n_categories)
        self.end_action_id = T.constant(n_attrs + n_categories, dtype="int32")
        BaseEnvironment.__init__(self, [n_attrs + n_categories + 1], [self.n_actions + 2], [()])
        self.generate_new_data_batch()

    def _generate_data(self, batch_size):
        """Random worlds: ``(X [batch, 3], Y [batch, 2])`` with Y1 = X1, Y2 = 1 - X1."""
        attributes = np.random.randint(0, 2, size=(batch_size, n_attrs))
        categories = np.stack([attributes[:, 0], 1 - attributes[:, 0]], axis=1)
        return attributes, categories

    def set_data_batch(self, attrs, cats):
        """Load worlds given as arrays ``[batch, 3]`` and ``[batch, 2]``."""
        self.attributes.set_value(np.asarray(attrs, dtype="uint8"))
        self.categories.set_value(np.asarray(cats, dtype="uint8"))

    def generate_new_data_batch(self, batch_size=10):
        """Load ``batch_size`` new random worlds."""
        self.set_data_batch(*self._generate_data(batch_size))

    def get_action_results(self, last_states, actions, **kwargs):
        """Mark the opened factor; observe its value, the end flag and the one-hot action."""
        state, action = last_states[0], actions[0]
        rows = T.arange(state.shape[0])
        still_running = T.eq(state[:, -1], 0)
        opened = T.set_subtensor(state[rows, action], 1)
        new_state = T.switch(still_running[:, None], opened, state)
        ended = T.eq(new_state[:, -1], 1)
        observation = T.concatenate([self.joint_data[rows, action][:, None],
                                     ended[:, None],
                                     T.extra_ops.to_one_hot(action, self.n_actions)], axis=1)
        return new_state, T.cast(observation, theano.config.floatX)

    def get_whether_alive(self, observations):
        """``[batch, time]``: 1 until the tick after the end action."""
        observations = observations[0] if isinstance(observations, (list, tuple)) else observations
        return T.eq(observations[:, :, 1], 0)

    def get_reward(self, states, actions, batch_id):
        """Rewards ``[time]`` of one session (see the module docstring)."""
        state, action = states[0], actions[0]
        ticks = T.arange(action.shape[0])
        response = self.joint_data[batch_id, action]
        is_category = T.or_(T.eq(action, n_attrs), T.eq(action, n_attrs + 1))
        reward = T.switch(is_category, 6 * response - 3, 2 * response - 1)
        reward = T.switch(T.eq(action, self.end_action_id), 0, reward)
        reward = T.switch(T.eq(state[ticks, action], 1), -0.5, reward)
        reward = T.switch(T.eq(state[:, -1], 1), 0, reward)
        return T.cast(reward, theano.config.floatX)
