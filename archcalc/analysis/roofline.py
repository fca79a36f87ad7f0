"""Each layer's roofline on a chip: its least memory traffic, its arithmetic intensity, the roof that bounds it,
and the least time it can take; the network's least time at a batch.

    bytes      = (batch × values read and written per image + weights read once) × bytes per value   (its kind's traffic rule)
    intensity  = FLOPs ÷ bytes
    seconds    = max(FLOPs ÷ peak, bytes ÷ bandwidth)     peak: the chip's matrix or vector units in the dtype
    bound      = "compute" where FLOPs ÷ peak is the larger, else "memory"

(Williams, Waterman and Patterson, "Roofline", CACM 2009.) A lower bound: caches cannot lower the least
traffic below once, and no kernel beats the datasheet's peak. A layer without FLOPs (pooling, activations,
as torch counts them) is memory-bound by definition; one that moves nothing (a view) takes no time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archcalc.analysis import Analysis, Row
from archcalc.analysis.hardware import DTYPES, Profile


@dataclass(frozen=True)
class LayerRoof:
    name: str
    kind: str
    units: str  # matrix | vector
    flops: int  # for the batch
    bytes: int  # least traffic for the batch
    peak: float  # FLOP/s of the units it runs on, in the dtype
    bound: str  # compute | memory
    seconds: float

    @property
    def intensity(self) -> float:
        """FLOPs per byte (0 for a layer that moves nothing)."""
        return self.flops / self.bytes if self.bytes else 0.0


@dataclass(frozen=True)
class Roofline:
    hardware: Profile
    batch: int
    dtype: str
    layers: tuple[LayerRoof, ...]

    @property
    def seconds(self) -> float:
        """The network's least time for one forward pass of the batch: its layers' least times, one after another."""
        return sum(r.seconds for r in self.layers)

    @property
    def memory_share(self) -> float:
        """The share of the least time spent in memory-bound layers."""
        total = self.seconds
        return sum(r.seconds for r in self.layers if r.bound == "memory") / total if total else 0.0

    @property
    def ridge(self) -> dict[str, float]:
        """FLOPs per byte where each roof meets the bandwidth line: above it a layer is compute-bound."""
        return {u: self.hardware.peak(u, self.dtype) / self.hardware.bandwidth for u in ("matrix", "vector")}


def layer_roof(row: Row, hardware: Profile, batch: int, dtype: str) -> LayerRoof:
    traffic = row.layer.traffic(row.input_shapes, row.output, row.figures)
    flops = row.flops * batch
    moved = (traffic.per_image * batch + traffic.per_batch) * DTYPES[dtype]
    peak = hardware.peak(traffic.units, dtype)
    compute, memory = flops / peak, moved / hardware.bandwidth
    return LayerRoof(row.name, row.kind, traffic.units, flops, moved, peak, "compute" if compute > memory else "memory", max(compute, memory))


def roofline(a: Analysis, hardware: Profile, batch: int, dtype: str) -> Roofline:
    hardware.check(dtype)
    return Roofline(hardware, batch, dtype, tuple(layer_roof(r, hardware, batch, dtype) for r in a.rows))


def named(analyses: Sequence[Analysis], hardware_name: str | None, batch: int, dtype: str) -> list[Roofline] | None:
    """Each network's roofline on the profile named `hardware_name` (None without one: the option was not given)."""
    if hardware_name is None:
        return None
    from archcalc.analysis import hardware as profiles

    chip = profiles.load(hardware_name)
    return [roofline(a, chip, batch, dtype) for a in analyses]


@dataclass(frozen=True)
class Measured:
    """One layer's measured time beside its least time."""

    name: str
    seconds: float  # measured, the timer's overhead taken off (never below 0)
    bound: float  # the roofline's least time
    roof: str  # compute | memory

    @property
    def percent(self) -> float | None:
        """% of roofline: the least time as a share of the measured one (100: as fast as the chip allows); None where
        nothing was measured, or the layer moves nothing (a view, dropout: no least time to compare)."""
        return 100 * self.bound / self.seconds if self.seconds > 0 and self.bound > 0 else None


@dataclass(frozen=True)
class Against:
    """A run's per-layer times against the roofline: what the timer costs, and the sum against the whole forward."""

    roofline: Roofline
    layers: tuple[Measured, ...]
    overhead: float  # seconds: the per-layer timer's median cost, measured on an empty module and taken off each layer
    error: float  # seconds: how far a layer's figure may be off through the timer (its cost's 90th percentile)
    layers_sum: float  # seconds: the layers' measured times, added
    forward: float  # seconds: the whole forward pass, timed alone


def against(r: Roofline, medians: dict[str, float], overhead: float, error: float, forward: float) -> Against:
    """`medians`: each layer's median seconds as the hooks timed it (the timer's cost included)."""
    layers = tuple(Measured(x.name, max(medians[x.name] - overhead, 0.0), x.seconds, x.bound) for x in r.layers)
    return Against(r, layers, overhead, error, sum(m.seconds for m in layers), forward)
