"""Normalising "one thing or several things" arguments."""
from collections import OrderedDict

import lasagne

from .logging import warn
from ._validation import require_int

__all__ = ["supported_sequences", "is_layer", "is_theano_object", "is_numpy_object",
           "as_sequence", "as_list", "as_tuple", "as_ordered_dict", "unpack_list",
           "check_sequence", "check_list", "check_tuple", "check_ordered_dict"]

supported_sequences = (tuple, list)


def is_layer(x):
    """Whether ``x`` is a Lasagne layer."""
    return isinstance(x, lasagne.layers.Layer)


def _module_of(x):
    return type(x).__module__ or ""


def is_theano_object(x):
    """Whether ``x``'s type comes from Theano (variables, shared variables...)."""
    return _module_of(x).startswith("theano")


def is_numpy_object(x):
    """Whether ``x``'s type comes from numpy (arrays and numpy scalars)."""
    return _module_of(x).startswith("numpy")


def as_sequence(x):
    """Return ``x`` as a list or tuple of items.

    A list or tuple is returned unchanged; a Theano or numpy object (that is
    not an object array) is one item; another iterable is converted with
    ``tuple`` and a warning; anything else is one item.
    """
    if isinstance(x, supported_sequences):
        return x
    if is_theano_object(x) or is_numpy_object(x):
        if str(getattr(x, "dtype", None)) != "object":
            return [x]
    if hasattr(x, "__iter__") and not isinstance(x, (str, bytes, dict)):
        try:
            converted = tuple(x)
        except TypeError:
            warn("%r looks iterable but could not be iterated; using it as one item." % (x,))
            return [x]
        warn("%s converted to a tuple; pass a list or tuple to avoid this warning."
             % type(x).__name__, verbosity_level=2)
        return converted
    return [x]


def as_list(x):
    """:func:`as_sequence` as a list."""
    return list(as_sequence(x))


def as_tuple(x):
    """:func:`as_sequence` as a tuple."""
    return tuple(as_sequence(x))


def as_ordered_dict(x):
    """Return a dict ``x`` as an ``OrderedDict`` (in its iteration order).

    Raises
    ------
    TypeError
        If ``x`` is not a dict.
    """
    if not isinstance(x, dict):
        raise TypeError("expected a dict, got %s" % type(x).__name__)
    return OrderedDict(x.items())


def unpack_list(a, lengths):
    """Split ``a`` into consecutive chunks of the given lengths.

    Raises
    ------
    TypeError, ValueError
        If a length is not an int >= 0.

    Examples
    --------
    >>> unpack_list(list(range(10)), [2, 3, 5])
    [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]
    """
    chunks, start = [], 0
    for length in lengths:
        length = require_int(length, "lengths", minimum=0)
        chunks.append(a[start:start + length])
        start += length
    return chunks


#: The original AgentNet's names of the converters (they convert; they check nothing).
check_sequence, check_list, check_tuple, check_ordered_dict = (as_sequence, as_list, as_tuple,
                                                               as_ordered_dict)
