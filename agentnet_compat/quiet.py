"""Silence the warnings Theano 1.0.5 and Lasagne 0.1 raise about their own internals.

They are about code the user cannot change (Lasagne 0.1 calling Theano
APIs that Theano 1.0 renamed, Theano using numpy aliases that numpy 1.20
deprecated) and repeat at every graph built, burying the warnings that are
about the user's code. Each filter matches one message from one package
only; every other warning is shown as before.
"""
import warnings

__all__ = ["install", "THIRD_PARTY_NOISE"]

#: (category, message regex, module regex) of each warning filtered.
THIRD_PARTY_NOISE = [
    (UserWarning, r"The `image_shape` keyword argument to `tensor\.nnet\.conv2d` is deprecated",
     r"lasagne\."),
    # Lasagne's unroll_scan calls T.stack(*tensors); the warning points at unroll_scan's caller.
    (DeprecationWarning, r"stack\(\*tensors\) interface is deprecated",
     r"(lasagne|theano|agentnet|agentnet_compat)\."),
    (DeprecationWarning, r"`np\.(complex|bool|int|float|object)` is a deprecated alias",
     r"theano\."),
    (DeprecationWarning, r"\s*`numpy\.distutils` is deprecated", r"theano\."),
    (DeprecationWarning, r"the imp module is deprecated", r"theano\."),
]


def install():
    """Add the filters (idempotent: ``warnings`` drops exact duplicates)."""
    for category, message, module in THIRD_PARTY_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
