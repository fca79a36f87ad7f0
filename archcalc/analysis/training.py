"""One training step's memory (forward, loss, backward, optimiser step), moment by moment, and its peak.

The step is torch's usual one, in its steady state (the optimiser's state exists, the gradients were set to
None by `zero_grad()` before the step): `out = net(x); out.sum().backward(); opt.step()`.

Live at every moment: the parameters, the optimiser's state (plain SGD none, momentum one copy of the
parameters, Adam and AdamW two), the input batch and the network's outputs (the caller holds them), and
- in the forward pass, after each layer: what the layers so far keep for backward (archcalc.analysis.kept, exact) and
  the outputs a later layer still reads;
- in the backward pass, layer by layer in reverse: what the layers not yet run backward keep, the gradients of
  the parameters computed so far, and the gradients of activations: the gradient of each tensor a layer read,
  from the first of its readers to run backward until its own producer has run (its full size, once), with the
  gradient of the layer's own output and the gradients it makes for its inputs and parameters live at once;
- at the optimiser step: parameters, their gradients and the optimiser's state, which torch updates in place; Adam's
  and AdamW's single-tensor path (torch's default on the CPU) also makes two temporaries per parameter tensor
  (√v and √v / c), counted at the size of the largest layer's parameters;
- the loss, one value in the dtype, from the end of the forward pass.

What is left out, and why the peak is an estimate within a stated bound and not exact: the temporaries inside the
backward kernels (a convolution's or batch norm's scratch), gradients that torch passes on as views or sums in
place (add, concat, flatten), and the allocator's rounding. tests/test_training.py measures the live bytes with
torch's memory profiler on the CPU and states the bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc.analysis.kept import KeptNetwork, kept
from archcalc.analysis.reads import Reads, reads

if TYPE_CHECKING:
    from archcalc.analysis import Row

FORWARD, END_OF_FORWARD, BACKWARD, STEP = "forward", "end of forward", "backward", "optimiser step"


@dataclass(frozen=True)
class Moment:
    when: str  # FORWARD, END_OF_FORWARD, BACKWARD or STEP
    layer: str  # the layer that runs then ("" at the end of the forward pass and at the step)
    total_bytes: int
    activation_bytes: int  # kept for backward, and outputs still to be read
    gradient_bytes: int  # the parameters' gradients so far
    activation_gradient_bytes: int  # gradients of activations live then


@dataclass(frozen=True)
class Step:
    optimiser: str
    param_bytes: int
    optimiser_bytes: int
    input_bytes: int  # the batch (counted once, though the first layer may keep it)
    activation_bytes: int  # kept for backward (archcalc.analysis.kept)
    moments: tuple[Moment, ...]

    @property
    def peak(self) -> Moment:
        return max(self.moments, key=lambda m: m.total_bytes)  # the first of equals


def step(rows: Sequence[Row], batch: int, itemsize: int, optimiser: str, copies: int, saved: KeptNetwork | None = None,
         granule: int = 1, where: Reads | None = None) -> Step:
    """The moments of one training step with an optimiser keeping `copies` copies of the parameters; `granule`: each
    storage rounded up to a multiple of it (an allocator's blocks; a layer's parameters as one storage)."""
    moments = _All()
    params, saved = _walk(rows, batch, itemsize, copies, saved, granule, moments, where or reads(rows))
    return Step(optimiser, params, copies * params, saved.sizes[0], saved.total_bytes, tuple(moments.moments))


class _All:
    """Every moment as a step's walk gives them, in order."""

    most = -1  # a walk may leave out the moments (other than the step's) of no more bytes than this: none here

    def __init__(self) -> None:
        self.moments: list[Moment] = []

    def add(self, when: str, layer: str, total_bytes: int, activation_bytes: int, gradient_bytes: int, flowing_bytes: int) -> None:
        self.moments.append(Moment(when, layer, total_bytes, activation_bytes, gradient_bytes, flowing_bytes))


class _Top:
    """Moments as a step's walk gives them, of which only the first greatest before the optimiser step is kept, and that step
    (a Moment is made only for those: a large network has two moments per layer)."""

    def __init__(self) -> None:
        self.last: Moment | None = None
        self.most = -1  # the top's total_bytes
        self.top_figures: tuple[str, str, int, int, int, int] | None = None  # the top's, made a Moment when asked for

    @property
    def top(self) -> Moment | None:
        return None if self.top_figures is None else Moment(*self.top_figures)

    def add(self, when: str, layer: str, total_bytes: int, activation_bytes: int, gradient_bytes: int, flowing_bytes: int) -> None:
        if when == STEP:
            self.last = Moment(when, layer, total_bytes, activation_bytes, gradient_bytes, flowing_bytes)
        elif total_bytes > self.most:  # in a chain's forward pass, each layer's (what is kept grows)
            self.top_figures = (when, layer, total_bytes, activation_bytes, gradient_bytes, flowing_bytes)
            self.most = total_bytes


def _walk(rows: Sequence[Row], batch: int, itemsize: int, copies: int, saved: KeptNetwork | None, granule: int,
          moments: _All | _Top, where: Reads) -> tuple[int, KeptNetwork]:
    """The step's moments, in order, appended to `moments`; the parameters' bytes and what is kept (rounded). Outputs by
    position (archcalc.analysis.reads)."""
    def up(n: int) -> int:
        return rounded_up(n, granule)

    saved = saved or kept(rows, batch, itemsize, where)
    if granule > 1:
        saved = replace(saved, sizes=tuple(up(n) for n in saved.sizes))
    layer_params = [r.figures.params * itemsize for r in rows]
    size = [batch * math.prod(r.output) * itemsize for r in rows]  # by position; the network input needs no gradient
    if granule > 1:
        layer_params = [up(n) for n in layer_params]
        size = [up(n) for n in size]
    params = sum(layer_params)
    state = copies * params
    n = len(rows)
    held = {out for out, at in zip(saved.outputs, where.last) if at == n} | {0}  # the outputs: the caller holds these
    first_holder = saved.first_holders
    base = params + state + saved.sizes[0]
    _forward(rows, saved, where, base, up(itemsize), moments)
    base += up(itemsize)  # the loss
    grads = _needs_grad(rows, where)
    alive = {s for s, at in enumerate(first_holder) if at >= 0} | held
    activations = sum(saved.sizes[s] for s in alive - {0})
    pending: dict[int, int] = {}
    done = flowing_now = 0
    sizes, storages, add = saved.sizes, saved.storages, moments.add
    for i in reversed(range(n)):
        if not grads[i]:  # grads[n]: the network input needs none
            continue
        r = rows[i]
        xs = where.inputs[i]
        if len(xs) == 1:
            made = size[xs[0]] if grads[xs[0]] and xs[0] not in pending else 0
        else:
            made = sum(size[x] for x in dict.fromkeys(xs) if grads[x] and x not in pending)
        layer_grads = layer_params[i]
        flowing = flowing_now + made
        total = base + activations + done + layer_grads + flowing
        if total > moments.most:
            add(BACKWARD, r.name, total, activations, done + layer_grads, flowing)
        done += layer_grads
        for x in xs:
            if grads[x] and x not in pending:
                pending[x] = size[x]
                flowing_now += size[x]
        flowing_now -= pending.pop(i, 0)
        for s in storages[i]:
            if s in alive and s not in held and first_holder[s] >= i:
                alive.discard(s)
                activations -= sizes[s]
    temporaries = 2 * max(layer_params) if copies == 2 else 0
    held_bytes = sum(saved.sizes[s] for s in held - {0}) + up(itemsize)
    moments.add(STEP, "", params + state + params + saved.sizes[0] + held_bytes + temporaries, held_bytes, params, 0)
    return params, saved


def rounded_up(n: int, granule: int) -> int:
    """`n` bytes as a storage of whole blocks of `granule` (an allocator's blocks; 1: as it is)."""
    return -(-n // granule) * granule


def peaks(rows: Sequence[Row], batch: int, itemsize: int, optimisers: dict[str, int], saved: KeptNetwork | None = None,
          where: Reads | None = None) -> dict[str, tuple[Step, Moment]]:
    """For each optimiser (name -> copies of the parameters it keeps), its step's figures (without its moments) and
    its peak: as `step(...).peak`, from one walk of the step. Every moment before the optimiser step holds the
    optimiser's state and nothing else of it, so the first greatest of them is the same moment for every optimiser."""
    walked = _Top()  # the moments themselves are not kept: a large network has two per layer
    params, saved = _walk(rows, batch, itemsize, 0, saved, 1, walked, where or reads(rows))
    top, at_step = walked.top, walked.last
    assert top is not None and at_step is not None
    plain = Step("", params, 0, saved.sizes[0], saved.total_bytes, ())
    largest = max([r.figures.params for r in rows]) * itemsize  # the temporaries of Adam's single-tensor path (step)
    out = {}
    for name, copies in optimisers.items():
        state = copies * plain.param_bytes
        last = replace(at_step, total_bytes=at_step.total_bytes + state + (2 * largest if copies == 2 else 0))
        peak = replace(top, total_bytes=top.total_bytes + state) if top.total_bytes + state >= last.total_bytes else last
        out[name] = (replace(plain, optimiser=name, optimiser_bytes=state, moments=()), peak)
    return out


def _forward(rows: Sequence[Row], saved: KeptNetwork, where: Reads, base: int, loss: int, moments: _All | _Top) -> None:
    """After each layer: the storages kept so far, outputs a later layer still reads, and the network's outputs."""
    sizes, storage_of, add = saved.sizes, saved.outputs, moments.add
    reasons = [0] * len(sizes)  # storage -> why it is live: kept, to be read, held (a count)
    n, last = len(rows), where.last
    live = 0
    for i, (r, kept_now, xs) in enumerate(zip(rows, saved.storages, where.inputs)):
        for s in kept_now:  # kept until its backward (through the whole forward pass)
            if s != 0 and reasons[s] == 0:
                live += sizes[s]
            reasons[s] += 1
        s = storage_of[i]  # held until its last reader has run (the network's outputs, to the end)
        if s != 0 and reasons[s] == 0:
            live += sizes[s]
        reasons[s] += 1
        for x in xs if len(xs) == 1 else dict.fromkeys(xs):
            if x < n and last[x] == i:  # an output read for the last time now: released
                s = storage_of[x]
                reasons[s] -= 1
                if s != 0 and reasons[s] == 0:
                    live -= sizes[s]
        if base + live > moments.most:
            add(FORWARD, r.name, base + live, live, 0, 0)  # after the layer ran
    add(END_OF_FORWARD, "", base + live + loss, live, 0, 0)  # as after the last layer, and the loss


def _needs_grad(rows: Sequence[Row], where: Reads) -> list[bool]:
    """By position, the network input's last: does the output need a gradient (it has trainable parameters, or reads
    one that does)?"""
    needs = [False] * (len(rows) + 1)
    for i, (r, xs) in enumerate(zip(rows, where.inputs)):
        needs[i] = r.figures.params > 0 or (needs[xs[0]] if len(xs) == 1 else any(needs[x] for x in xs))
    return needs
