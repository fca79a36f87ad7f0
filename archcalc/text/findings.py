"""Findings, claims, valid inputs, memory, counts and comparisons in words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archcalc.text.grades import why
from archcalc.text.layers import arithmetic, hyper_text, kind_text
from archcalc.text.numbers import dims, human, n, quotient, size

if TYPE_CHECKING:
    from archcalc.analysis import ClaimCheck, Finding, ValidInputs
    from archcalc.analysis.compare import Stage
    from archcalc.analysis.memory import Memory


def stated(value: int, tolerance: float) -> str:
    return n(value) if not tolerance else f"about {n(value)} (±{tolerance * 100:.3g}%)"


def off(value: int, stated_value: int, tolerance: float) -> str:
    """'+1.6% from the stated figure', or the difference itself when the claim is exact."""
    if tolerance and stated_value:
        return f"{quotient(value - stated_value, stated_value, '+.1%')} from the stated figure"
    return "as stated" if value == stated_value else f"{value - stated_value:+,} from the stated figure"


def figure_text(value: Any) -> str:
    """A claim's value: a shape '96×55×55' or a figure '253,440'."""
    return dims(value) if isinstance(value, tuple) else n(value)


def finding_message(f: Finding) -> str:
    """A finding with its numbers, then which grade it is and why: 'conv1: H and W = … never read (…). A note: only
    padding is left unread. Nearest input sizes …'."""
    body, _, nearest = finding_body(f).partition(". Nearest input ")
    graded = f"{body}. {why(f)[0].upper()}{why(f)[1:]}"
    return f"{graded}. Nearest input {nearest}" if nearest else graded


def finding_body(f: Finding) -> str:
    """A finding as one sentence (or two), with its numbers."""
    if f.kind == "non_integer_size":
        t = f.term
        assert t is not None and f.nearest is not None
        sizes = " and ".join(str(v) for v in f.nearest if v is not None) or "none within reach"
        noun = {"H": "heights", "W": "widths"}.get(t.axis, "sizes")
        return (f"{f.layer}: {t.axis} = {t.expression()} = {t.value()} is not a whole number; {t.consequence()}. "
                f"Nearest input {noun} for which every layer divides exactly: {sizes}")
    if f.kind == "unread_layer":
        assert f.figures is not None
        extra = len(f.branch) - 1
        only = f" with the {'layer' if extra == 1 else f'{extra} layers'} only it reads" if extra else ""
        return (f"{f.layer}: nothing reads its output, and it is not the network's last layer ({f.last}): it adds "
                f"{n(f.figures.params)} parameters and {n(f.figures.flops)} FLOPs to the totals{only}; "
                f"if it is one of the network's outputs, mark it output: true")
    assert f.claim is not None
    return contradiction(f.claim)


NO_FINDINGS = "no findings: every size divides exactly and every claim holds"


def findings_title(count: int) -> str:
    """'⚠ 17 findings': the title over the findings, and (with ' (below)') the header's warning."""
    return f"⚠ {count} finding{'s' if count != 1 else ''}"


def claim_mark(confirmed: bool) -> str:
    return "✓ confirmed" if confirmed else "✗ contradicted"


def contradiction(c: ClaimCheck) -> str:
    if c.subject == "input":
        return f"the stated input {c.stated_text} cannot be the network's: {c.detail}"
    return f"claimed {c.subject} {c.stated_text}, but it is {c.computed_text}: {c.detail}"


def valid_text(v: ValidInputs) -> str:
    """'input sizes (H and W) from 1 to 454 for which every layer divides exactly: 67, 99, ...'; past 100 sizes,
    the first few, the last and how they repeat: '31,249,998 sizes: 67, 99, …, 999,999,971 (every 32: 67 + 32k)'."""
    if v.total <= 100 and len(v.exact) == v.total:
        sizes = ", ".join(map(str, v.exact)) or "none"
    else:
        firsts = {r: next((n for n in v.exact if n % v.period == r), None) for r in v.residues} if v.period else {}
        forms = " and ".join(f"{n} + {v.period}k" for n in firsts.values() if n is not None)
        sizes = (f"{v.total:,} sizes: {', '.join(map(str, v.exact[:8]))}, …, {v.last:,}" + (f" (every {v.period}: {forms})" if forms else ""))
    if v.checked and v.checked < v.high:
        sizes += (f"; sizes past {v.checked:,} were not looked at (they do not repeat with a period archcalc can use in the time it"
                  " allows): a --range from there looks further")
    smallest = f"the smallest the network accepts at all is {v.smallest}" if v.smallest else "no size is accepted"
    return (f"input sizes ({v.axis}) from {v.low} to {v.high} for which every layer divides exactly: {sizes}\n"
            f"{smallest}; {v.reason}")


def memory_text(dtype: str, m: Memory) -> str:
    lines = [f"memory at batch {m.batch}, {dtype} ({m.dtype_bytes} bytes a value): parameters {size(m.param_bytes)}; "
             f"inference peak of live activations {size(m.peak_bytes)} at {m.peak_layer}; parameters + peak {size(m.inference_bytes)}"]
    for t in m.training:
        lines.append(f"training with {t.optimiser}: {size(t.total_bytes)} = parameters {t.param_bytes:,} + gradients {t.gradient_bytes:,}"
                     f" + optimiser state {t.optimiser_bytes:,} + activations kept for backward {t.activation_bytes:,};"
                     f" step peak {t.peak_bytes:,} {peak_place(t.peak_when, t.peak_layer)}")
    return "\n".join(lines)


def peak_place(when: str, layer: str) -> str:
    """'during backward, at conv2': where in a training step its peak falls (archcalc.analysis.training)."""
    if when == "backward":
        return f"during backward, at {layer}"
    if when == "forward":
        return f"in the forward pass, at {layer}"
    return "at the end of the forward pass" if when == "end of forward" else "at the optimiser step"


def source(input_shapes: Sequence[Sequence[int]], output: Sequence[int]) -> str:
    """Where a layer without size arithmetic gets its shape: 'from 256×6×6', or its merged inputs."""
    if len(input_shapes) > 1:
        return " + ".join(dims(x) for x in input_shapes) + f" → {dims(output)}"
    return f"from {dims(input_shapes[0])}"


def claim_detail(c: ClaimCheck) -> str:
    """A claim's arithmetic: how the computed figure comes about, and how far it is from the stated one."""
    if c.figure == "input":
        return "; ".join(input_problems(c))
    if c.figure == "output":
        return arithmetic(c.terms) or source(c.input_shapes, c.computed)  # type: ignore[arg-type]
    assert isinstance(c.computed, int) and isinstance(c.stated, int)
    distance = off(c.computed, c.stated, c.tolerance)
    if c.figure == "activations" and c.output is not None:
        return f"{dims(c.output)} = {n(c.computed)}" + ("" if c.confirmed else f", {distance}")
    if c.members > 1:
        return distance + f" (summed over the {c.members} layers of '{c.layer}')"
    if c.conventions:
        return f"{distance}; {convention_match(c)}"
    return distance


def counted_here(per_mac: int, added: Sequence[tuple[str, int]], fails_on: Sequence[str]) -> str:
    """'MACs + batchnorm 4,967,424 + adaptiveavgpool 25,088': how a tool's figure is made up for this network."""
    if fails_on:
        return f"fails on {', '.join(fails_on)}"
    parts = ["MACs" if per_mac == 1 else f"{per_mac} × MACs"]
    parts += [f"{'+' if v > 0 else '−'} {kind} {abs(v):,}" for kind, v in added]
    return " ".join(parts)


def convention_match(c: ClaimCheck) -> str:
    """"stated 1.8 G: matches `macs` (1.81 G, +0.8%), also `fvcore`, …", or "matches none: the nearest is …":
    which FLOPs tool's convention (archcalc.kinds.terms.conventions) the stated figure follows."""
    stated = c.stated
    assert isinstance(stated, int)
    totals = dict(c.conventions)

    def one(name: str) -> str:
        value = totals[name]
        assert value is not None
        away = "exactly" if value == stated else quotient(value - stated, stated, "+.1%") if stated else f"{value - stated:+,}"
        return f"`{name}` ({human(value)}, {away})"

    stated_text = f"stated {human(stated)}"
    if c.matches:
        also = f", also {', '.join(f'`{m}`' for m in c.matches[1:])}" if len(c.matches) > 1 else ""
        return f"{stated_text}: matches {one(c.matches[0])}{also}"
    known = [name for name, v in c.conventions if v is not None]
    if not known:
        return f"{stated_text}: matches none"
    nearest = min(known, key=lambda name: abs((totals[name] or 0) - stated))
    return f"{stated_text}: matches none: the nearest is {one(nearest)}"


def input_problems(c: ClaimCheck, shape: Any = dims) -> list[str]:
    """What the stated input does to the network, one phrase each; `shape` writes the shapes (dims or hwc)."""
    ic = c.input_check
    assert ic is not None
    if ic.refused is not None:
        return [f"the network cannot take it: {ic.refused}"]
    floors = f"{ic.floors[0]} gives {arithmetic(ic.floors[1])}" if ic.floors else None
    if ic.wrong is None:
        said = "every layer divides exactly" if floors is None else f"not every size divides ({floors})"
        return [said + (", and gives the stated shapes" if ic.shapes_stated else "")]
    layer, computed, stated_shape = ic.wrong
    more = f" (and {ic.more_wrong} more stated shapes)" if ic.more_wrong else ""
    problems = [floors] if floors else []
    problems.append(f"{layer} would be {shape(computed)}, not the stated {shape(stated_shape)}{more}")
    if ic.spec_exact:
        problems.append(f"the spec builds {shape(c.computed)}, where every layer divides exactly")
    else:
        problems.append(f"nearest sizes that divide exactly: {' and '.join(str(v) for v in ic.nearest if v)}")
    return problems


def stage_text(s: Stage | None) -> str:
    """'conv 5×5/1, 6 → 6×28×28  (+ relu, dropout p=0.5)': a stage of `compare`."""
    if s is None:
        return ""
    r = s.row
    words = f"{kind_text(r)} {hyper_text(r)} → {dims(r.output)}".replace("  ", " ")
    extras = [f.kind + (f" {f.layer.hyper()}" if f.category == "dropout" and f.layer.hyper() else "") for f in s.followers]
    return words + (f"  (+ {', '.join(extras)})" if extras else "")


def ratio(value: int | str, base: int | str) -> str:
    if isinstance(value, str) or isinstance(base, str) or not base:
        return ""
    return f"×{quotient(value, base, ',.3g')}" if value < 1000 * base else f"×{quotient(value, base, ',.0f')}"


def kind_keys(keys: Sequence[Any], marks: str = "`") -> str:
    """"`filters`, `kernel`, `stride` (1), ...": a kind's keys (archcalc.kinds.keys), each with its default (none: required); '—' for none."""
    parts = [f"{marks}{k.key}{marks}" + ("" if k.required else f" ({k.value.show(k.default)})") for k in keys]
    return ", ".join(parts) or "—"
