"""gradlab's autodiff engine: numpy and the standard library only (no UI imports, ever)."""

from .errors import EngineError, ParseError, ShapeError
from .gradcheck import GradCheck, gradient_check
from .graph import BackwardStep, ForwardStep, backward, backward_steps, forward_steps, topo_order
from .node import Node, apply, const, var
from .ops import OPS, Op, unbroadcast
from .parser import Expression, parse
from .tape import Tape

__all__ = [
    "OPS", "BackwardStep", "EngineError", "Expression", "ForwardStep", "GradCheck", "Node", "Op",
    "ParseError", "ShapeError", "Tape", "apply", "backward", "backward_steps", "const", "forward_steps",
    "gradient_check", "parse", "topo_order", "unbroadcast", "var",
]
