"""A matrix product that a graph reads twice is computed once.

Theano's FAST_RUN optimization ``local_dot22_to_dot22scalar`` turns
:math:`\\alpha (X Y)` into one ``Dot22Scalar`` node computing
:math:`\\alpha X Y` inside the gemm. When :math:`X Y` (a ``Dot22`` node) is
also read elsewhere, the product is then computed twice. Adam does exactly
that with every weight gradient :math:`g`: its first moment reads
:math:`(1 - \\beta_1) g` and its second :math:`g^2`. For the Nature DQN's
3136 x 512 dense layer the second product, :math:`X^\\top \\delta` over a
batch of 32, was 2.4 ms of a 45 ms training step.

:func:`install` makes the optimization leave such a product alone; the
multiplication by :math:`\\alpha` then stays an elementwise operation, which
Theano fuses into the optimizer's own update kernel. A product read only
once is rewritten as before.
"""

__all__ = ["install", "read_elsewhere"]


def read_elsewhere(variable):
    """Whether ``variable`` (in a function graph) is the output of a ``Dot22`` node and has more
    than one client, so that folding a scale into the product would compute it twice.
    """
    from theano.tensor.blas import Dot22
    owner = variable.owner
    return (owner is not None and isinstance(owner.op, Dot22)
            and len(getattr(variable, "clients", ())) > 1)


def install(blas_module):
    """Make ``blas_module.local_dot22_to_dot22scalar`` skip products that are read elsewhere.

    Parameters
    ----------
    blas_module : module
        ``theano.tensor.blas``, just imported (its optimization database
        holds the same local optimizer object, so the change applies to it).
    """
    optimizer = blas_module.local_dot22_to_dot22scalar
    if getattr(optimizer, "_agentnet_keeps_shared_products", False):
        return
    rewrite = optimizer.transform

    def transform(node):
        if any(read_elsewhere(variable) for variable in node.inputs):
            return False
        return rewrite(node)

    optimizer.transform = transform
    optimizer._agentnet_keeps_shared_products = True
