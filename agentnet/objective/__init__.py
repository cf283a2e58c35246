"""Reward definitions."""
from .base import *
