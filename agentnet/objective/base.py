"""Rewards as a function of one session's states and actions."""
import theano
import theano.tensor as T

from ..utils.format import check_list

__all__ = ["BaseObjective"]


class BaseObjective(object):
    """Base class of reward definitions; experiments usually subclass it with an environment."""

    def reset(self, batch_size):
        """Hook called before new sessions; does nothing by default."""

    def get_reward(self, last_environment_states, agent_actions, batch_id):
        """Rewards ``[time]`` of **one** session.

        Parameters
        ----------
        last_environment_states : list of tensors [time, state_shape...]
        agent_actions : list of tensors [time, ...]
        batch_id : symbolic int
            The session's index in the batch.
        """
        raise NotImplementedError("%s must implement get_reward" % type(self).__name__)

    def get_reward_sequences(self, env_state_sessions, agent_action_sessions):
        """Rewards ``[batch, time]``: :meth:`get_reward` mapped over the sessions.

        Parameters
        ----------
        env_state_sessions : tensor or list of tensors [batch, time, state_shape...]
        agent_action_sessions : tensor or list of tensors [batch, time, ...]
        """
        states = check_list(env_state_sessions)
        actions = check_list(agent_action_sessions)
        n_states = len(states)

        def session_reward(batch_id, *session):
            return self.get_reward(list(session[:n_states]), list(session[n_states:]), batch_id)

        rewards, updates = theano.map(session_reward,
                                      sequences=[T.arange(actions[0].shape[0])] + states + actions)
        if updates:
            raise ValueError("get_reward must not create random updates; got %s" % list(updates))
        return rewards.reshape(actions[0].shape[:2], ndim=2)
