"""Layer utilities: multi-output layers, broadcasting, re-application, helpers."""
from .dict import *
from .helpers import *
from .broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from .reapply import *
