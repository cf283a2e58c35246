"""Learning curves and session printouts (matplotlib; Agg when there is no display)."""
from .metrics import *
from .sessions import *
