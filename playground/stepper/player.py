"""Play in the browser: the server draws the steps ahead as frames in one go (the graph as SVG, and the step's
text), and a small player on the page shows them at the chosen speed, with no server rerun per step.

A batch starts at the step the page shows and runs to the end, to the next quiz question still waiting for an
answer (drawn as the quiz draws it, with its answer hidden: Play stops there, as Next does), or to the most frames
one batch holds; then the player asks for the next batch. What the learner does while it plays is sent back to the
page with the step reached: Pause, Back / Next (the buttons or ← →), reaching the end or a question; the page then
draws that step in full. The player's HTML, CSS and JavaScript are here as strings; the page registers them as a
Streamlit component (st.components.v2) and handles what it sends in ``session.play_reached``.
"""

from __future__ import annotations

from engine.formatting import readable_array
from playground.common import graph_export

from . import ledger, quiz
from .graph_figure import MAX_NEIGHBOURS, graph_dot, neighbourhood
from .walkthrough import Walkthrough

PHASE_NAMES = {"start": "ready", "forward": "forward pass", "backward": "backward pass", "done": "done"}
SPEEDS = {"slow": 1.6, "normal": 0.9, "fast": 0.4}  # seconds per step while playing
MAX_FRAMES = 40  # steps ahead in one batch: 16 s of Play at the fastest speed, drawn by one `dot` call
FIRST_FRAMES = 6  # in a Play's first batch: the sooner it is drawn, the sooner Play starts (the next one is bigger)
MAX_NODES_DRAWN = 600  # node drawings per batch: a graph of 150 nodes gets 4 frames a batch, not a minute of layout
# The page's own widget keys (view.py): a click on these, or these keys, while the player plays are its to handle,
# since only the player knows which step is on the screen.
CONTROLS = {"pause": ".st-key-stepper_pause button", "back": ".st-key-back button", "next": ".st-key-next button"}
KEYS = {"ArrowLeft": "back", "ArrowRight": "next"}


def available() -> bool:
    """Whether frames can be drawn here: on the server, by Graphviz's ``dot`` (without it, the page's Play reruns
    once per step, as it did before)."""
    return graph_export.dot_available()


def frame_text(walk: Walkthrough, view, hidden: bool) -> str:
    """What the step does, in plain text, with the numbers as the ledger prints them; while a quiz question is
    open (``hidden``) without its answer."""
    if view.forward is not None:
        return f"Forward · {ledger.node_name(view.current)} computes its value: {readable_array(view.forward.value)}"
    step = view.backward
    if step is None:
        return "Nothing computed yet." if view.step == 0 else ""
    name = ledger.node_name(step.node)
    if step.is_leaf:
        return f"Backward · {name} is an input: its gradient is final, {readable_array(step.upstream)}."
    head = f"Backward · {name} receives upstream {readable_array(step.upstream)}"
    if hidden:
        return head + ". Your turn: predict the gradient it sends to each input."
    lines = [f"∂L/∂{parent.label}: {ledger.arithmetic_text(step, i)}"
             for i, (parent, down) in enumerate(zip(step.node.parents, step.downstream, strict=True))
             if down is not None]
    return "\n".join([head + ":", *lines])


def next_stop(walk: Walkthrough, start: int, mode: str | None, answered) -> tuple[int, str]:
    """Where Play from ``start`` stops, and why: the next quiz question not answered yet ("question": Play stops
    there before its answer is shown), else the last step ("end")."""
    if mode == "quiz":
        for k in range(start + 1, walk.total_steps + 1):
            if k not in answered and quiz.quiz_targets(walk.view(k), mode):
                return k, "question"
    return walk.total_steps, "end"


def batch_steps(walk: Walkthrough, start: int, mode: str | None, answered,
                first: bool = False) -> tuple[list[int], str]:
    """The steps one batch shows, from ``start`` (the step on the screen), and why it stops where it does: where
    Play stops (``next_stop``: "end" or "question"), or at the most frames a batch holds ("batch"; fewer in a
    Play's ``first`` batch)."""
    drawn = len(walk.order) if len(walk.order) <= ledger.MAX_DRAWN_NODES else 1 + 2 * MAX_NEIGHBOURS  # or a part
    per_batch = max(2, min(FIRST_FRAMES if first else MAX_FRAMES, MAX_NODES_DRAWN // max(1, drawn)))
    stop, why = next_stop(walk, start, mode, answered)
    if stop - start > per_batch:
        return list(range(start, start + per_batch + 1)), "batch"
    return list(range(start, stop + 1)), why


def batch(walk: Walkthrough, start: int, mode: str | None, answered, pal, first: bool = False) -> dict:
    """The frames of the steps ahead of ``start`` (see ``batch_steps``): for each, its step number, title, text
    and the graph as SVG in the colours of ``pal``, all drawn by one call of ``dot`` (a process per frame cost
    15 ms each). Raises graph_export.GraphExportError when ``dot`` can't draw them."""
    steps, ends = batch_steps(walk, start, mode, answered, first)
    views, texts = [], []
    for k in steps:
        view = walk.view(k)
        hidden = k not in answered and bool(quiz.quiz_targets(view, mode))
        views.append(quiz.hide_answer(view) if hidden else view)
        texts.append(frame_text(walk, view, hidden))
    big = len(walk.order) > ledger.MAX_DRAWN_NODES  # the current node's neighbourhood, as the page draws it
    dots = [graph_dot(walk, v, pal, neighbourhood(walk, v)[0] if big else None).source for v in views]
    svgs = split_svgs(graph_export.graph_svg("\n".join(dots)).decode("utf-8"))
    if len(svgs) != len(steps):
        raise graph_export.GraphExportError(f"dot drew {len(svgs)} graphs of {len(steps)}")
    frames = [{"step": k, "title": f"Step {k} / {walk.total_steps}", "phase": PHASE_NAMES[v.phase], "text": text,
               "svg": svg} for k, v, text, svg in zip(steps, views, texts, svgs, strict=True)]
    return {"frames": frames, "ends": ends, "fill": pal.current.lower()}


def split_svgs(output: str) -> list[str]:
    """``dot -Tsvg`` run on several graphs writes one SVG document after another: each one's ``<svg>`` element."""
    return [part[part.index("<svg"):].strip() for part in output.split("<?xml") if "<svg" in part]


def player_data(frames: dict, play: int, seconds_per_step: float) -> dict:
    """What the player is given: the batch, which Play it belongs to (a new press starts afresh), the milliseconds
    per step, and the controls it answers while it plays."""
    return {**frames, "play": play, "every": round(seconds_per_step * 1000), "controls": CONTROLS, "keys": KEYS}


PLAYING_NOTE = ("▶ **Playing** — each step is named above the graph, with its upstream × local = downstream. The "
                "chain-rule ledger and the table of steps come back at the step where Play stops (Pause, Back, Next, "
                "← or →).")

HTML = """<div class="player" aria-live="polite">
  <div class="head"><span class="step"></span> <span class="phase"></span></div>
  <div class="says"></div>
  <div class="graph"></div>
</div>"""

CSS = """
.player { font-family: var(--st-font); color: var(--st-text-color); }
.head { font-size: 1.25rem; font-weight: 600; margin-bottom: 0.25rem; }
.phase { font-size: 1rem; font-weight: 400; color: var(--st-text-color); opacity: 0.8; }
.says { white-space: pre-line; font-size: 1rem; line-height: 1.5; margin-bottom: 0.5rem; min-height: 3em; }
.graph { overflow-x: auto; }
.graph svg { display: block; max-width: none; height: auto; }
.graph svg * { font-family: var(--st-font); }  /* as the page draws its graph, at Graphviz's own sizes (app.py) */
"""

# Runs in the page (no iframe). One state per mounted player, kept across the calls Streamlit makes when its data
# changes (a new batch, or a new speed: the player goes on from the step it shows). Clicks and keys are caught on the
# window before Streamlit's own handlers see them, so a Pause or Next while playing goes from the step on the screen.
JS = """
const players = new Map();

export default function ({ data, key, parentElement, setTriggerValue }) {
  let p = players.get(key);
  if (!p || p.play !== data.play) {
    if (p) p.stop();
    p = { play: data.play, shown: null, shownAt: 0, asked: null, timer: null, done: false };
    const send = (then) => {
      if (p.done) return;
      p.done = true;
      p.stop();
      setTriggerValue('reached', { play: p.play, step: p.shown, then });
    };
    const onClick = (e) => {
      for (const [then, selector] of Object.entries(p.data.controls)) {
        if (e.target instanceof Element && e.target.closest(selector)) {
          e.preventDefault();
          e.stopImmediatePropagation();
          send(then);
          return;
        }
      }
    };
    const onKey = (e) => {  // as Streamlit's shortcuts: not in a box or a widget's input (the speed slider's)
      const then = p.data.keys[e.key];
      if (!then || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      if (e.composedPath().some((el) => el instanceof Element && (el.isContentEditable
          || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)))) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      send(then);
    };
    window.addEventListener('click', onClick, true);
    window.addEventListener('keydown', onKey, true);
    p.send = send;
    p.stop = () => {
      clearTimeout(p.timer);
      window.removeEventListener('click', onClick, true);
      window.removeEventListener('keydown', onKey, true);
    };
    players.set(key, p);
  }
  p.data = data;
  clearTimeout(p.timer);
  if (p.done) return () => { p.stop(); players.delete(key); };
  const frames = data.frames;
  let at = frames.findIndex((f) => f.step === p.shown);
  if (at < 0) {  // a new Play: the next step at once
    at = Math.min(1, frames.length - 1);
  }

  const show = (i) => {
    const f = frames[i];
    const graph = parentElement.querySelector('.graph');
    if (graph.dataset.step !== String(f.step)) {
      parentElement.querySelector('.step').textContent = f.title;
      parentElement.querySelector('.phase').textContent = '· ' + f.phase;
      parentElement.querySelector('.says').textContent = f.text;
      graph.innerHTML = f.svg;
      graph.dataset.step = String(f.step);
      for (const shape of graph.querySelectorAll('g.node polygon, g.node ellipse')) {
        if ((shape.getAttribute('fill') || '').toLowerCase() !== data.fill) continue;
        const box = graph.getBoundingClientRect(), node = shape.getBoundingClientRect();
        graph.scrollLeft += node.left + node.width / 2 - (box.left + box.width / 2);
      }
      if (p.shown !== f.step) p.shownAt = performance.now();
      p.shown = f.step;
    }
    if (i === frames.length - 1 && data.ends !== 'batch') {
      p.send('pause');  // the end, or a question: the page draws this step in full
    } else if (data.ends === 'batch' && i >= frames.length / 2 && p.asked !== frames[0].step) {
      p.asked = frames[0].step;  // half way through: the next batch, while this one plays on
      setTriggerValue('reached', { play: p.play, step: f.step, then: 'more' });
    }
  };
  const next = () => {
    if (p.done || at >= frames.length - 1) return;  // the next batch is on its way
    p.timer = setTimeout(() => {
      at += 1;
      show(at);
      next();
    }, Math.max(0, p.shownAt + data.every - performance.now()));
  };
  show(at);
  next();
  return () => { p.stop(); players.delete(key); };
}
"""
