"""Activation checkpointing per block instance (`--checkpoint blocks`, or instance names), as
torch.utils.checkpoint.checkpoint(block, *inputs, use_reentrant=False) does it in torch 2.13:

- the forward pass runs the block keeping nothing for backward inside it; what it does keep is each tensor the
  block reads from outside (its inputs: torch's `_NoopSaveInputs` saves every tensor argument, whether or not it
  needs a gradient), so a checkpointed block's kept bytes are its inputs' storages, counted once as ever;
- during backward the block's forward runs again, up to its last layer that keeps anything (torch stops the
  recomputation there, `early_stop`), and its layers' kept tensors are live again until the block's backward ends:
  the extra FLOPs are those layers' forward FLOPs, once per step.

`blocks` means the innermost block instances (those that use no other block: ResNet-18's eight basic blocks, not
its four stages). The step's peak with checkpointing counts, while a block runs backward, the whole of what its
layers keep at once (its recomputed tensors, not freed layer by layer inside the block): an upper bound on that
moment, as the rest of archcalc.analysis.training is an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT
from archcalc.analysis.kept import KeptNetwork, Ledger, kept
from archcalc.analysis.training import BACKWARD, Step, rounded_up, step
from archcalc.errors import ArchcalcError
from archcalc.specfile import Instance

if TYPE_CHECKING:
    from archcalc.analysis import Row

BLOCKS = "blocks"


def chosen_instances(instances: Sequence[Instance], choice: str) -> tuple[Instance, ...]:
    """`blocks`: the innermost instances; else comma-separated instance names (which must not overlap)."""
    if choice.strip() == BLOCKS:
        found = tuple(i for i in instances if not any(o is not i and set(o.layers) < set(i.layers) for o in instances))
        if not found:
            raise ArchcalcError("--checkpoint blocks: this spec uses no blocks", "checkpointing works per block instance; see 'Reusable blocks'")
        return found
    by_name = {i.name: i for i in instances}
    names = [n.strip() for n in choice.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown or not names:
        known = ", ".join(list(by_name)[:6]) + (", ..." if len(by_name) > 6 else "")
        raise ArchcalcError(f"--checkpoint {choice!r}: {', '.join(unknown) or 'no name'} is not a block instance of this spec",
                            f"'blocks', or instance names such as {known}" if by_name else "this spec uses no blocks")
    picked = tuple(by_name[n] for n in dict.fromkeys(names))
    for a in picked:
        for b in picked:
            if a is not b and set(a.layers) & set(b.layers):
                raise ArchcalcError(f"--checkpoint: {a.name} and {b.name} overlap", "name instances that do not contain each other")
    return picked


@dataclass(frozen=True)
class Checkpointed:
    instances: tuple[str, ...]
    plain: KeptNetwork  # without checkpointing
    saved: KeptNetwork  # with it
    recomputed: tuple[tuple[str, ...], ...]  # per instance: the layers run again in backward
    extra_flops: int  # their forward FLOPs
    regrown: tuple[int, ...]  # per instance: the bytes its recomputation keeps again

    @property
    def saved_difference(self) -> int:
        return self.plain.total_bytes - self.saved.total_bytes


def checkpointed(rows: Sequence[Row], batch: int, itemsize: int, instances: Sequence[Instance], granule: int = 1) -> Checkpointed:
    """`granule`: each recomputed storage rounded up to a multiple of it, as archcalc.analysis.training's step rounds the rest."""
    plain = kept(rows, batch, itemsize)
    index = {r.name: i for i, r in enumerate(rows)}
    keeps: list[tuple[int, ...]] = list(plain.storages)
    recomputed, flops, regrown = [], 0, []
    for inst in instances:
        at = sorted(index[name] for name in inst.layers)
        reads = dict.fromkeys(i for j in at for i in rows[j].inputs if i not in inst.layers)
        outer = tuple(dict.fromkeys(0 if i == INPUT else plain.outputs[index[i]] for i in reads))
        inner = [j for j in at if plain.storages[j]]
        rerun = [j for j in at if inner and j <= inner[-1]]
        recomputed.append(tuple(rows[j].name for j in rerun))
        flops += batch * sum(rows[j].flops for j in rerun)
        regrown.append(sum(rounded_up(plain.sizes[s], granule) for s in dict.fromkeys(s for j in at for s in plain.storages[j]) if s not in outer))
        for j in at:
            keeps[j] = outer if j == at[0] else ()
    ledger = Ledger(list(plain.sizes))  # the same storages, each put to the first layer that now keeps it
    for name, storages, out in zip(plain.names, keeps, plain.outputs):
        ledger.keep(name, storages, out)
    saved = ledger.network()
    return Checkpointed(tuple(i.name for i in instances), plain, saved, tuple(recomputed), flops, tuple(regrown))


def checkpointed_step(rows: Sequence[Row], c: Checkpointed, batch: int, itemsize: int, optimiser: str, copies: int,
                      granule: int = 1) -> Step:
    """The training step with checkpointing: archcalc.analysis.training's step on the checkpointed kept bytes, with
    each block's recomputed tensors live while its layers run backward (`granule` as `checkpointed` was given it)."""
    s = step(rows, batch, itemsize, optimiser, copies, c.saved, granule)
    extra = {name: c.regrown[n] for n, names in enumerate(c.recomputed) for name in names}
    moments = tuple(replace(m, total_bytes=m.total_bytes + extra[m.layer], activation_bytes=m.activation_bytes + extra[m.layer])
                    if m.when == BACKWARD and m.layer in extra else m for m in s.moments)
    return replace(s, moments=moments, activation_bytes=c.saved.total_bytes)



def checkpoint_figures(rows: Sequence[Row], instances: Sequence[Instance], batch: int, itemsize: int) -> dict[str, dict[str, object]]:
    """Per optimiser, the JSON figures of `memory.training[...].checkpoint`."""
    from archcalc.analysis.memory import OPTIMISER_STATES

    c = checkpointed(rows, batch, itemsize, instances)
    found: dict[str, dict[str, object]] = {}
    for name, copies in OPTIMISER_STATES.items():
        p = checkpointed_step(rows, c, batch, itemsize, name, copies).peak
        found[name] = {"instances": list(c.instances), "activation_bytes": c.saved.total_bytes, "saved_bytes": c.saved_difference,
                       "peak_bytes": p.total_bytes, "peak_when": p.when, "peak_layer": p.layer, "extra_flops": c.extra_flops}
    return found


def checkpoint_text(rows: Sequence[Row], instances: Sequence[Instance], batch: int, itemsize: int, optimiser: str) -> str:
    """What `show --train --checkpoint ...` prints after the training step."""
    from archcalc.analysis.memory import OPTIMISER_STATES
    from archcalc.text import peak_place, size

    c = checkpointed(rows, batch, itemsize, instances)
    s = checkpointed_step(rows, c, batch, itemsize, optimiser, OPTIMISER_STATES[optimiser])
    before = step(rows, batch, itemsize, optimiser, OPTIMISER_STATES[optimiser]).peak
    shown = ", ".join(c.instances[:4]) + (f", … {c.instances[-1]}" if len(c.instances) > 4 else "")
    total = batch * sum(r.flops for r in rows)
    return "\n".join([
        f"checkpointing {len(c.instances)} block instance{'s' if len(c.instances) != 1 else ''} ({shown}) as "
        f"torch.utils.checkpoint(use_reentrant=False) does: activations kept for backward {c.saved.total_bytes:,} instead of "
        f"{c.plain.total_bytes:,} ({c.saved_difference:,} saved, {c.saved_difference / max(c.plain.total_bytes, 1):.1%})",
        f"peak {size(s.peak.total_bytes)} {peak_place(s.peak.when, s.peak.layer)} (without checkpointing {size(before.total_bytes)}); "
        f"recomputed in backward: {c.extra_flops:,} forward FLOPs ({c.extra_flops / max(total, 1):.1%} of the forward pass's {total:,})",
    ])
