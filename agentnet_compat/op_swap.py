"""A whole-graph optimization that gives chosen nodes another op, in place."""

__all__ = ["op_swap"]


def op_swap(choose_op):
    """A ``theano.gof.Optimizer`` giving every node for which ``choose_op(node)`` returns an op
    that op, in place.

    The node keeps its inputs and outputs, so the new op must compute the same
    outputs from the same inputs (for example the OpenMP version of an op, or
    a subclass with a faster C path). Replacing the node instead does not
    last: the destroy handler rejects the replacement of an in-place
    elementwise node, and in FAST_RUN the merge optimization (position 49)
    swaps a replaced node back for an equal one it replaced (an op whose
    ``openmp`` switch is not among its ``__props__`` compares equal).

    Parameters
    ----------
    choose_op : callable
        ``choose_op(node)`` returns the node's new op, or None to leave it.

    Returns
    -------
    theano.gof.Optimizer
    """
    from theano import gof

    class SwapOps(gof.Optimizer):
        def apply(self, fgraph):
            for node in fgraph.apply_nodes:
                new_op = choose_op(node)
                if new_op is not None:
                    node.op = new_op

    return SwapOps()
