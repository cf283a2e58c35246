"""Layer utilities: multi-output layers, broadcasting, re-application, a dueling head, helpers."""
from .dict import *
from .helpers import *
from .broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from .reapply import *
from .dueling import DuelingLayer
