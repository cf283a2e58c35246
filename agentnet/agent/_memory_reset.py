"""Per-row edits of an agent's memory during replay; zeroing it where a recorded game was reset."""
import theano.tensor as T
from lasagne.layers import InputLayer, MergeLayer

from ..utils.layers.helpers import get_layer_dtype
from .recurrence import _keep_where_masked

__all__ = ["RowwiseMemoryEdit", "ZeroedWhereDead", "alive_input_layer"]


def alive_input_layer(name="replay.is_alive_t"):
    """One tick of ``is_alive``: an ``InputLayer`` of shape ``[batch]`` and dtype uint8."""
    return InputLayer((None,), input_var=T.TensorType("uint8", (False,))(name), name=name)


class RowwiseMemoryEdit(MergeLayer):
    """A memory layer's new value, changed in the batch rows where a per-tick flag says so.

    Subclasses define ``get_output_for`` from ``(memory, flag)``; shape and
    dtype are the memory's.

    Parameters
    ----------
    memory : Layer
        The new value of a memory, ``[batch, shape...]``, any dtype.
    flag : Layer
        ``[batch]``, one value per batch row at this tick.
    """

    def __init__(self, memory, flag, **kwargs):
        MergeLayer.__init__(self, [memory, flag], **kwargs)

    @property
    def output_dtype(self):
        """The memory's dtype: the edit keeps it."""
        return get_layer_dtype(self.input_layers[0])

    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]


class ZeroedWhereDead(RowwiseMemoryEdit):
    r"""A memory layer's new value, zeroed in the batch rows whose tick is dead.

    .. math:: h_t \leftarrow \mathrm{alive}_t \, h_t

    This is what :class:`~agentnet.experiments.openai_gym.EnvPool` does in
    live play at the tick that resets a finished game (``is_alive = 0``), so
    that the next episode starts from zero memory.

    Parameters
    ----------
    memory : Layer
        The new value of a memory, ``[batch, shape...]``, any dtype.
    alive : Layer
        ``[batch]``, non-zero where the tick is alive.
    """

    def __init__(self, memory, alive, **kwargs):
        RowwiseMemoryEdit.__init__(self, memory, alive, **kwargs)

    def get_output_for(self, inputs, **kwargs):
        memory, alive = inputs
        return _keep_where_masked(alive, [memory], [T.zeros_like(memory)])[0]
