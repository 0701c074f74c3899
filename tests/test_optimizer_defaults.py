"""Where our optimizer defaults differ from PyTorch's, the page says so, with both numbers right (issue 13:
"follow torch, or say why not"): RMSProp's ρ and AdaGrad's ε."""

import inspect
import re

from engine.formatting import parse_readable
from labs.optim import OptimizerConfig
from playground.mlp.optimizer import SETTINGS
from playground.surfaces.runs import COLUMNS
from tests.test_kinks import torch_or_skip


def help_of(key: str) -> str:
    return next(c.help for c in COLUMNS if c.setting == key)


def number_after(text: str, words: str) -> float:
    """The number after ``words``, written as people read it (1 × 10⁻⁸, never 1e-08)."""
    shown = re.search(words + r"\D*?([0-9.]+(?:[ \u00a0]×[ \u00a0]10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?)(?![\deE])", text).group(1)
    return parse_readable(shown)


def test_the_rho_and_eps_help_names_ours_and_torchs_defaults():
    torch = torch_or_skip()
    ours = OptimizerConfig(name="rmsprop")
    rho, eps = help_of("rho"), help_of("eps")
    assert number_after(rho, "RMSProp's decay of its average of g²:") == ours.rho
    assert number_after(rho, "alpha is") == inspect.signature(torch.optim.RMSprop).parameters["alpha"].default
    assert number_after(eps, "denominator of adaptive methods:") == ours.eps == OptimizerConfig(name="adagrad").eps
    assert number_after(eps, "defaults to") == inspect.signature(torch.optim.Adagrad).parameters["eps"].default


def test_the_mlp_lab_says_the_same():
    for key in ("rho", "eps"):
        assert help_of(key).split(": ", 1)[1] in SETTINGS[key].help
