"""A check that fails inside a compiled function reaches the user as one readable ValueError.

Theano re-raises an error from a compiled function as a new exception whose
message has a dump of the failing node appended, while handling the original.
These tests look at what a user would read: the message, the printed
traceback, and where the dump went.
"""
import traceback
from collections import namedtuple

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.learning import qlearning
from agentnet.utils._runtime_check import RuntimeCheck, RuntimeCheckError, runtime_check

floatX = theano.config.floatX


class _AtMostThree(namedtuple("_AtMostThree", "argument")):
    def __call__(self, n):
        return None if n <= 3 else "`%s` must have at most 3 entries, got %i" % (self.argument, n)


class _NoNegatives(namedtuple("_NoNegatives", "argument")):
    def __call__(self, x):
        bad = np.flatnonzero(x < 0)
        return None if bad.size == 0 else "`%s` has %i negative entries, the first at %i" % (
            self.argument, bad.size, bad[0])


def _at_most_three(linker):
    x = T.vector("x")
    n = x.shape[0]
    checked = runtime_check(x, _AtMostThree("x"), n, holds=T.le(n, 3))
    return theano.function([x], checked * 2, mode=theano.compile.Mode(linker=linker),
                           allow_input_downcast=True)


def _raised(function, *args):
    with pytest.raises(ValueError) as caught:
        function(*args)
    return caught.value


@pytest.mark.parametrize("linker", ["cvm", "py"])
def test_the_message_is_the_check_s_own(linker):
    function = _at_most_three(linker)
    np.testing.assert_array_equal(function([1, 2]), [2, 4])
    error = _raised(function, np.zeros(5))
    assert isinstance(error, RuntimeCheckError)
    assert str(error) == "`x` must have at most 3 entries, got 5"


def test_theano_s_node_dump_is_kept_apart():
    error = _raised(_at_most_three("cvm"), np.zeros(5))
    assert error.theano_details.startswith("\nApply node that caused the error: RuntimeCheck")
    assert "Inputs shapes" in error.theano_details
    assert "Apply node" not in str(error)


def test_the_printed_traceback_shows_one_error():
    error = _raised(_at_most_three("cvm"), np.zeros(5))
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert "During handling of the above exception" not in printed
    assert printed.count("must have at most 3 entries") == 1
    assert "Apply node" not in printed


def test_high_exception_verbosity_still_leaves_the_message_whole():
    function = _at_most_three("cvm")
    verbosity = theano.config.exception_verbosity
    theano.config.exception_verbosity = "high"
    try:
        error = _raised(function, np.zeros(4))
    finally:
        theano.config.exception_verbosity = verbosity
    assert str(error) == "`x` must have at most 3 entries, got 4"
    assert "Debugprint of the apply node" in error.theano_details


def test_raised_outside_theano_it_is_a_plain_value_error():
    error = RuntimeCheckError("`x` is wrong")
    assert str(error) == "`x` is wrong" and error.theano_details == ""


def test_with_input_the_message_can_name_the_offending_entry():
    x = T.vector("x")
    checked = runtime_check(x, _NoNegatives("x"), holds=T.all(T.ge(x, 0)), with_input=True)
    function = theano.function([x], checked + 1, allow_input_downcast=True)
    np.testing.assert_array_equal(function([0, 1]), [1, 2])
    with pytest.raises(ValueError, match=r"^`x` has 2 negative entries, the first at 1$"):
        function([0, -1, 2, -3])


def test_checks_that_differ_only_in_with_input_are_not_merged():
    assert RuntimeCheck(_AtMostThree("x")) != RuntimeCheck(_AtMostThree("x"), with_input=True)
    assert RuntimeCheck(_AtMostThree("x")) == RuntimeCheck(_AtMostThree("x"))


def test_an_objective_s_run_time_error_is_one_line_naming_argument_and_entry():
    """What a user of Q-learning reads when a replayed tick has is_alive = 2."""
    q, actions, rewards, alive = T.tensor3("q"), T.imatrix("a"), T.matrix("r"), T.matrix("alive")
    loss = theano.function([q, actions, rewards, alive],
                           qlearning.get_elementwise_objective(q, actions, rewards, alive).sum(),
                           allow_input_downcast=True)
    is_alive = np.ones((2, 5), floatX)
    is_alive[1, 3] = 2
    error = _raised(loss, np.zeros((2, 5, 3)), np.zeros((2, 5), "int32"), np.zeros((2, 5)),
                    is_alive)
    assert str(error) == "`is_alive` must hold only 0 and 1, got 2.0 at [1, 3] (1 of 10 values)"


def test_a_check_inside_a_scan_loop_still_reads_as_one_error():
    """Scan re-raises its inner function's error with the inner node's dump, then the outer
    function appends the scan node's: both are set apart."""
    rows = T.matrix("rows")

    def step(row):
        n = row.shape[0]
        return runtime_check(row, _AtMostThree("row"), n, holds=T.le(n, 3)) * 2

    doubled, _ = theano.scan(step, sequences=[rows])
    function = theano.function([rows], doubled, allow_input_downcast=True)
    np.testing.assert_array_equal(function(np.ones((2, 3))), 2 * np.ones((2, 3)))
    error = _raised(function, np.ones((2, 4)))
    assert str(error) == "`row` must have at most 3 entries, got 4"
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert "During handling of the above exception" not in printed
