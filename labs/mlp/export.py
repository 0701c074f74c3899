"""Export a training setup: a runnable numpy script and a runnable PyTorch script.

The scripts are filled-in copies of real Python files in ``templates/`` (linted like the rest of the
code). Two things are filled in:

- the line marked ``# gradlab: setup`` receives the settings, the (featurized) training data and the
  *initial* weights as JSON;
- each relative import of a gradlab module (``from ...update_rules import learning_rate``) is
  replaced by the source of the definitions it names, and of those they use, pasted verbatim.

So the numpy script runs the very update rules and network code the app runs (``labs/update_rules.py``,
``numpy_net.py``), and the PyTorch script, which uses torch.optim, the same schedule and mini-batch
order. Both print the training loss after each update and all of them as a JSON line at the end, so
a test can compare them with the engine. (The JSON configuration is the MLP page's state, written by
playground/mlp/config.py from its field spec.)
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.util
import json
import re
from pathlib import Path

from .train import Trainer

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_PACKAGE = "labs.mlp.templates"  # what the templates' relative imports are relative to
SETUP_MARK = "# gradlab: setup"


def numpy_script(trainer: Trainer, updates: int) -> str:
    """A standalone numpy program that trains the same model on the same data for ``updates`` steps."""
    return _fill("train_numpy.py", trainer, updates)


def torch_script(trainer: Trainer, updates: int) -> str:
    """The same, written with torch.nn and torch.optim."""
    return _fill("train_torch.py", trainer, updates)


def _fill(template: str, trainer: Trainer, updates: int) -> str:
    lines = list(_with_shared_code(template))
    marked = [i for i, line in enumerate(lines) if line.endswith(SETUP_MARK)]
    if len(marked) != 1 or '"{}"' not in lines[marked[0]]:
        raise RuntimeError(f"templates/{template} needs one line marked {SETUP_MARK!r} that loads \"{{}}\"")
    line = lines[marked[0]].replace('"{}"', 'r"""' + _payload(trainer, updates) + '"""')
    lines[marked[0]] = line.replace(SETUP_MARK, "# noqa: E501 (the data make this line long)")
    return "\n".join(lines) + "\n"


@functools.cache  # the page exports on every rerun; parsing three files each time cost ~30 ms
def _with_shared_code(template: str) -> tuple[str, ...]:
    """The template's lines with each relative import replaced by the gradlab code it names."""
    text = (TEMPLATES / template).read_text()
    lines = text.splitlines()
    for node in reversed(ast.parse(text).body):  # bottom up, so earlier line numbers stay valid
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            module = importlib.util.resolve_name("." * node.level + node.module, TEMPLATE_PACKAGE)
            lines[node.lineno - 1: node.end_lineno] = ["", "", *_pasted(module, [a.name for a in node.names])]
    return tuple(re.sub(r"\n{4,}", "\n\n\n", "\n".join(lines)).splitlines())  # at most two blank lines in a row


def _payload(trainer: Trainer, updates: int) -> str:
    payload = {"config": dataclasses.asdict(trainer.cfg), "updates": updates,
               "x_train": trainer.x_train.tolist(), "y_train": trainer.y_train.tolist(),
               "initial": [p.tolist() for p in trainer.initial]}
    return json.dumps(payload)


def _pasted(module_name: str, names: list[str]) -> list[str]:
    """Source lines of a module's named top-level definitions and of every definition they use, in
    the module's order (comment lines right above a definition belong to it)."""
    module = importlib.import_module(module_name)
    source = Path(module.__file__).read_text()
    lines = source.splitlines()
    definitions = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Assign)]
    defining = {name: i for i, node in enumerate(definitions) for name in _names_defined(node)}
    wanted, todo = set(), [defining[name] for name in names]  # KeyError: the module has no such name
    while todo:
        i = todo.pop()
        if i not in wanted:
            wanted.add(i)
            todo += [defining[n.id] for n in ast.walk(definitions[i]) if isinstance(n, ast.Name) and n.id in defining]
    out = [f"# Pasted from gradlab's {module_name.replace('.', '/')}.py: the code the app itself runs."]
    for i in sorted(wanted):
        node = definitions[i]
        if i - 1 in wanted:  # it follows the previous one: keep the module's own spacing and comments
            start = definitions[i - 1].end_lineno
        else:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
            while start > 0 and lines[start - 1].startswith("#"):
                start -= 1
            out += ["", ""] if len(out) > 1 else []
        out += lines[start: node.end_lineno]
    return [*out, "", ""]


def _names_defined(node) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    return [node.name]
