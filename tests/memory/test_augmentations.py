"""Window, stack, counter and switch layers against numpy, and their input checks."""
import numpy as np
import pytest
import theano
from lasagne.layers import InputLayer, get_output

from agentnet.memory.logical import CounterLayer, SwitchLayer
from agentnet.memory.stack import StackAugmentation
from agentnet.memory.window import WindowAugmentation

floatX = theano.config.floatX


def _evaluate(layer, *input_layers_and_values):
    inputs = {layer_: value for layer_, value in input_layers_and_values}
    return get_output(layer, inputs={k: theano.shared(v) for k, v in inputs.items()}).eval()


@pytest.mark.numerics
def test_window_shifts_newest_first():
    rng = np.random.RandomState(0)
    item, window = InputLayer((None, 2)), InputLayer((None, 3, 2))
    new, old = rng.randn(4, 2).astype(floatX), rng.randn(4, 3, 2).astype(floatX)
    got = _evaluate(WindowAugmentation(item, window), (item, new), (window, old))
    expected = np.concatenate([new[:, None], old[:, :2]], axis=1)
    np.testing.assert_array_equal(got, expected)


def test_window_keeps_the_dtype_of_its_previous_value():
    frame = InputLayer((None, 2), input_var=theano.tensor.matrix(dtype="uint8"))
    uint8_window = InputLayer((None, 3, 2), input_var=theano.tensor.tensor3(dtype="uint8"))
    assert WindowAugmentation(frame, uint8_window).output_dtype == "uint8"
    assert WindowAugmentation(frame, InputLayer((None, 3, 2))).output_dtype == floatX


@pytest.mark.numerics
@pytest.mark.parametrize("controls", [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.2, 0.5, 0.3]],
                         ids=["push", "pop", "noop", "soft"])
def test_stack_push_pop_noop(controls):
    rng = np.random.RandomState(1)
    item, stack, control = InputLayer((None, 2)), InputLayer((None, 4, 2)), InputLayer((None, 3))
    new, old = rng.randn(3, 2).astype(floatX), rng.randn(3, 4, 2).astype(floatX)
    p = np.tile(np.array(controls, dtype=floatX), (3, 1))
    got = _evaluate(StackAugmentation(item, stack, control), (item, new), (stack, old),
                    (control, p))
    pushed = np.concatenate([new[:, None], old[:, :-1]], axis=1)
    popped = np.concatenate([old[:, 1:], np.zeros_like(old[:, :1])], axis=1)
    expected = p[0, 0] * pushed + p[0, 1] * popped + p[0, 2] * old
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_counter_and_switch():
    counter_in = InputLayer((None,))
    counter = CounterLayer(counter_in, k=3)
    assert counter.output_dtype == "int32"
    got = get_output(counter, inputs={counter_in: theano.shared(np.array([0, 1, 2, 5], "int32"))})
    np.testing.assert_array_equal(got.eval(), [1, 2, 0, 0])
    cond, a, b = InputLayer((None,)), InputLayer((None,)), InputLayer((None,))
    switch = SwitchLayer(cond, a, b)
    values = {cond: np.array([1, 0, 1], floatX), a: np.array([1, 2, 3], floatX),
              b: np.array([-1, -2, -3], floatX)}
    np.testing.assert_array_equal(_evaluate(switch, *values.items()), [1, -2, 3])


@pytest.mark.parametrize("build, message", [
    (lambda: WindowAugmentation(InputLayer((None, 2)), InputLayer((None, 0, 2))),
     "window size .* must be >= 1"),
    (lambda: WindowAugmentation(InputLayer((None, 2)), InputLayer((None, 3, 5))),
     r"`prev_state_input` must have shape \[batch, window_size"),
    (lambda: StackAugmentation(InputLayer((None, 2)), InputLayer((None, 0, 2)),
                               InputLayer((None, 3))), "stack depth .* must be >= 1"),
    (lambda: StackAugmentation(InputLayer((None, 2)), InputLayer((None, 4, 2)),
                               InputLayer((None, 2))), r"`controls_layer` must have shape"),
    (lambda: StackAugmentation(InputLayer((None, 2, 2)), InputLayer((None, 4, 2)),
                               InputLayer((None, 3))), "`observation_input` must have ndim 2"),
    (lambda: SwitchLayer(InputLayer((None,)), InputLayer((None, 2)), InputLayer((None, 3))),
     "same shape"),
    (lambda: CounterLayer(InputLayer((None,)), k=0), "`k` must be an int >= 1"),
], ids=["window-size", "window-shape", "stack-depth", "controls", "stack-item", "switch",
        "counter"])
def test_bad_input(build, message):
    with pytest.raises(ValueError, match=message):
        build()
