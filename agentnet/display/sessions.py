"""Printing (and plotting) recorded sessions tick by tick."""
import numpy as np

from ._backend import pyplot

__all__ = ["print_sessions"]

DEFAULT_PATTERN = " {action}(qv = {q_values_predicted}) -> {reward}{q_values_reference} |"


def _select_action_policy(policy_seq, action_seq):
    """``policy[b, t, action[b, t]]``."""
    return np.take_along_axis(policy_seq, action_seq[..., None], axis=-1)[..., 0]


def _session_line(policy, actions, rewards, alive, reference, action_names, pattern):
    parts = []
    for t in range(len(actions)):
        if not alive[t]:
            return " ".join(parts), t
        ref = "(ref = %s)" % reference[t] if reference is not None else ""
        parts.append(pattern.format(action=action_names[actions[t]],
                                    q_values_predicted=policy[t], reward=rewards[t],
                                    q_values_reference=ref))
    return " ".join(parts), None


def _plot_session(policy, actions, hidden, end, legend, qv_line_width, action_names):
    plt = pyplot()
    plt.figure(figsize=(16, 8))
    for a in range(policy.shape[1]):
        plt.plot(policy[:, a], linewidth=qv_line_width(a), label=action_names[a])
    if hidden is not None:
        plt.plot(hidden, linestyle="--")
    ticks = np.arange(len(actions))
    plt.scatter(ticks, policy[ticks, actions], marker="o")
    if end is not None:
        plt.axvline(end, color="k")
    if legend:
        plt.legend()
    plt.show()


def print_sessions(policy_seq, action_seq, reward_seq, action_names=None, is_alive_seq=None,
                   reference_policy_seq=None, pattern=DEFAULT_PATTERN, plot_policy=True,
                   hidden_seq=None, legend=True, qv_line_width=lambda action_i: 1):
    """Print each session as ``action(qv = value) -> reward |`` per tick, until it ends.

    Parameters
    ----------
    policy_seq : array [batch, tick, n_actions]
    action_seq, reward_seq : arrays [batch, tick]
        1-D inputs are one session.
    action_names : list of str or None
        Default ``"action #i"``.
    is_alive_seq : array [batch, tick] or None
    reference_policy_seq : array [batch, tick] or [batch, tick, n_actions], or None
        Printed as ``(ref = value)`` for the taken actions.
    pattern : str
        Format with keys ``action``, ``q_values_predicted``, ``reward``,
        ``q_values_reference``.
    plot_policy : bool
        Also plot each session's policy values with matplotlib.
    hidden_seq : array [batch, tick, units] or None
        Plotted dashed.
    legend : bool
    qv_line_width : callable(action id) -> float
    """
    action_seq = np.asarray(action_seq)
    single = action_seq.ndim == 1
    promote = (lambda a: None if a is None else np.asarray(a)[None]) if single else \
        (lambda a: None if a is None else np.asarray(a))
    policy_seq, action_seq = promote(policy_seq), promote(action_seq)
    reward_seq = promote(reward_seq)
    is_alive_seq = promote(is_alive_seq) if is_alive_seq is not None else np.ones(action_seq.shape)
    reference = promote(reference_policy_seq)
    if reference is not None and reference.ndim == 3:
        reference = _select_action_policy(reference, action_seq)
    hidden_seq = promote(hidden_seq)
    if action_names is None:
        action_names = ["action #%i" % i for i in range(policy_seq.shape[-1])]
    taken = _select_action_policy(policy_seq, action_seq)
    for b in range(action_seq.shape[0]):
        print("session #", b)
        line, end = _session_line(taken[b], action_seq[b], reward_seq[b], is_alive_seq[b],
                                  None if reference is None else reference[b], action_names,
                                  pattern)
        print(line)
        print("\n\n" if end is not None else "reached max session length")
        if plot_policy:
            hidden = None if hidden_seq is None else hidden_seq[b]
            _plot_session(policy_seq[b], action_seq[b], hidden, end, legend, qv_line_width,
                          action_names)
