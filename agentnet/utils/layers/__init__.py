"""Layer utilities: multi-output layers, broadcasting, re-application, helpers."""
from .dict import *
from .helpers import *
