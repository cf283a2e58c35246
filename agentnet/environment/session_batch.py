"""A batch of recorded sessions given as symbolic tensors (e.g. sampled from a pool)."""
import theano
import theano.tensor as T

from ..utils.format import check_list
from ..utils._validation import suggest_keywords
from .base import BaseEnvironment, _as_shape
from ._stored_sessions import StoredSessions, replay_action_results

__all__ = ["SessionBatchEnvironment", "replay_action_results"]


def _tensors(values, argument):
    """``values`` as a list of Theano tensors."""
    values = check_list(values)
    for value in values:
        if not isinstance(value, theano.Variable):
            raise TypeError("`%s` must be Theano tensors [batch, tick, ...], got %s (wrap numpy "
                            "data in theano.shared)" % (argument, type(value).__name__))
    return values


def _optional_sequence(value, argument):
    """None or a [batch, tick] tensor."""
    if value is not None and getattr(value, "ndim", None) != 2:
        raise ValueError("`%s` must be None or a tensor of ndim 2 [batch, tick], got %s"
                         % (argument, "ndim %s" % value.ndim if hasattr(value, "ndim")
                            else type(value).__name__))
    return value


class SessionBatchEnvironment(StoredSessions):
    """Recorded sessions defined by arbitrary symbolic tensors; owns no storage.

    Parameters
    ----------
    observations : tensor or list of tensors [batch, tick, obs_shape...]
    single_observation_shapes : list of shapes
        Per-tick shape of each observation (an int ``n`` is ``(n,)``).
    actions : tensor or list of tensors [batch, tick, action_shape...]
    single_action_shapes : list of shapes or "all_scalar"
    rewards, is_alive : tensors [batch, tick] or None
    preceding_agent_memories : list of tensors [batch, memory_shape...] or None
        Agent memories before tick 0; used as initial memories by replay.

    Raises
    ------
    TypeError
        For observations or actions that are not Theano tensors (numpy data
        goes in through ``theano.shared`` or a SessionPoolEnvironment).
    ValueError
        For a tensor whose ndim does not match its per-tick shape.
    """

    _noun = "session batch"

    @suggest_keywords
    def __init__(self, observations, single_observation_shapes, actions=None,
                 single_action_shapes="all_scalar", rewards=None, is_alive=None,
                 preceding_agent_memories=None):
        if actions is None:
            raise ValueError("`actions` is required: replay feeds the recorded actions to the "
                             "agent")
        self.observations = _tensors(observations, "observations")
        self.actions = _tensors(actions, "actions")
        self.single_observation_shapes = [_as_shape(s) for s in single_observation_shapes]
        if isinstance(single_action_shapes, str):
            if single_action_shapes != "all_scalar":
                raise ValueError("`single_action_shapes` must be 'all_scalar' or a list of "
                                 "shapes, got %r" % single_action_shapes)
            single_action_shapes = [()] * len(self.actions)
        self.single_action_shapes = [_as_shape(s) for s in single_action_shapes]
        self._check_ndims()
        self.rewards = _optional_sequence(rewards, "rewards")
        self.is_alive = _optional_sequence(is_alive, "is_alive")
        self._pool = None
        if preceding_agent_memories is not None:
            self.preceding_agent_memories = check_list(preceding_agent_memories)
        self.padded_observations = [T.concatenate([obs, T.zeros_like(obs[:, :1])], axis=1)
                                    for obs in self.observations]
        self.batch_size = self.observations[0].shape[0]
        self.sequence_length = self.observations[0].shape[1]
        BaseEnvironment.__init__(
            self, state_shapes=[()], observation_shapes=self.single_observation_shapes,
            action_shapes=self.single_action_shapes, state_dtypes=["int32"],
            observation_dtypes=[o.dtype for o in self.observations],
            action_dtypes=[a.dtype for a in self.actions])

    def _check_ndims(self):
        pairs = [("observations", self.observations, self.single_observation_shapes),
                 ("actions", self.actions, self.single_action_shapes)]
        for argument, tensors, shapes in pairs:
            if len(tensors) != len(shapes):
                raise ValueError("%i %s but %i per-tick shapes" % (len(tensors), argument,
                                                                    len(shapes)))
            for tensor, shape in zip(tensors, shapes):
                if tensor.ndim != len(shape) + 2:
                    raise ValueError("`%s` must have ndim %i [batch, tick, *%s], got ndim %i"
                                     % (argument, len(shape) + 2, shape, tensor.ndim))

    def _check_session_length(self, session_length):
        """Replay of ``session_length`` ticks: a batch drawn from a pool asks the pool.

        Tensors carry no static length, so a batch of arbitrary tensors
        cannot be checked.
        """
        if self._pool is not None:
            self._pool._check_session_length(session_length)
