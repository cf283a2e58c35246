"""agentnet_compat.quiet: Theano's and Lasagne's warnings about their own internals are filtered,
the same warnings about user code and every other warning still show."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import warnings
    import theano.tensor as T
    from lasagne.layers import Conv2DLayer, InputLayer, get_output
    get_output(Conv2DLayer(InputLayer((None, 1, 8, 8)), 2, 3))   # Lasagne 0.1 -> image_shape
    T.nnet.conv2d(T.tensor4(), T.tensor4(), image_shape=(1, 1, 8, 8))  # the user's own call
    warnings.warn("a warning of the user's own")
""")


def test_only_the_dependencies_internal_warnings_are_filtered():
    completed = subprocess.run([sys.executable, "-W", "always", "-c", SCRIPT],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    stderr = completed.stderr
    assert "a warning of the user's own" in stderr
    assert stderr.count("The `image_shape` keyword argument") == 1  # the user's call only
    assert "lasagne/layers/conv.py" not in stderr
    assert "numpy.distutils" not in stderr and "np.complex" not in stderr
