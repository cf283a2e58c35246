"""What the session pool and the session batch share: recorded sessions replayed as an env."""
import theano.tensor as T

from ..objective.base import BaseObjective
from ..utils.logging import warn
from .base import BaseEnvironment

__all__ = ["StoredSessions", "replay_action_results"]


def replay_action_results(last_states, padded_observations):
    """Active replay step: the state is the tick ``t`` [batch]; return ``t + 1`` and obs[t + 1].

    Parameters
    ----------
    last_states : list of one int tensor [batch]
    padded_observations : list of tensors [batch, tick + 1, ...]
        The stored observations with one zero tick appended.
    """
    ticks = last_states[0]
    rows = T.arange(ticks.shape[0])
    return [ticks + 1], [obs[rows, ticks + 1] for obs in padded_observations]


class StoredSessions(BaseEnvironment, BaseObjective):
    """What a pool and a batch of recorded sessions share: replaying them as an environment.

    Subclasses provide ``padded_observations``, ``rewards`` and ``_noun``
    (their name in messages).
    """

    def get_action_results(self, last_states, actions, **kwargs):
        """Active use: the state is the tick ``t``; returns ``t + 1`` and the stored observations.

        Parameters
        ----------
        last_states : list of one int tensor [batch]
            The tick ``t``.
        actions : list of tensors
            Unused: the stored observations do not depend on them.
        **kwargs
            Lasagne's ``get_output`` flags (unused).

        Returns
        -------
        new_states, observations : lists of tensors
            ``[t + 1]`` and each stored observation at tick ``t + 1``
            (zeros after the last tick).
        """
        warn("Using a %s as an active environment replays stored observations; "
             "experience_replay=True is usually what you want." % self._noun, verbosity_level=2)
        return replay_action_results(last_states, self.padded_observations)

    def get_reward(self, session_states, session_actions, batch_id):
        """The stored rewards of session ``batch_id``.

        Parameters
        ----------
        session_states, session_actions : lists of tensors
            Unused: the rewards are stored.
        batch_id : int tensor
            Index of the session.

        Returns
        -------
        tensor [tick]
        """
        warn("A %s's rewards are stored: read .rewards directly." % self._noun,
             verbosity_level=2)
        return self.rewards[batch_id, :]
