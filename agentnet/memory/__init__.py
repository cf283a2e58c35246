"""Memory for one-tick graphs: recurrent cells, augmentations, counters and attention."""
from .gate import GateLayer
from .rnn import RNNCell, GRUCell, LSTMCell
from .gru import GRUMemoryLayer
from .window import WindowAugmentation
from .stack import StackAugmentation
from .logical import CounterLayer, SwitchLayer
from .attention import AttentionLayer, DotAttentionLayer

__all__ = ["GateLayer", "RNNCell", "GRUCell", "LSTMCell", "GRUMemoryLayer",
           "WindowAugmentation", "StackAugmentation", "CounterLayer", "SwitchLayer",
           "AttentionLayer", "DotAttentionLayer"]
