"""What autograd keeps for backward in training, per layer and for the network, to the byte, as torch 2.13 keeps it
for the module archcalc builds (archcalc.torch_backend.build), which is written the way torchvision writes its
networks: layers as modules, merges as `+`, torch.cat and `*`, ReLU in place wherever nothing else reads its input.

Each kind declares its rule (`kept`, kinds/base.py RULES): which of its tensors its forward saves for backward
(its inputs, its output, new tensors such as max pooling's int64 indices, batch norm's per-channel mean and
inverse deviation, dropout's noise) and whether its output is its input's storage (a view, or an activation run
in place). A network's figure counts each storage once, at its whole size (a view keeps its whole storage alive),
and leaves out module state (parameters and buffers). A storage kept by two layers is put to the first of them,
in graph order, which is how archcalc.torch_backend.kept measures it.

What a rule follows, measured with torch.autograd.graph.saved_tensors_hooks (tests/test_kept.py):
- a layer none of whose inputs needs a gradient and that has no trainable parameters records nothing;
- dropout on the CPU keeps its noise in the input's dtype (torch's `_dropout_impl`; CUDA's fused kernel keeps a
  one-byte mask instead); batch norm, layer norm and group norm keep their statistics in the input's dtype;
- adaptive average pooling to 1×1 is a mean and keeps nothing; to any other size it keeps its input;
- an in-place ReLU, leaky ReLU or ELU keeps its output (its input's storage); an in-place ReLU6 keeps a copy of
  its input (torch saves the original for hardtanh_'s backward).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from archcalc.analysis.graph import INPUT
from archcalc.analysis.reads import Reads, reads
from archcalc.kinds import activation_kind
from archcalc.kinds.terms.kept import Keeping

if TYPE_CHECKING:
    from archcalc.analysis import Row
    from archcalc.kinds.terms.kept import Kept


@dataclass(frozen=True)
class LayerKept:
    name: str
    saved_bytes: int  # storages this layer keeps that no earlier layer keeps
    shared_bytes: int  # storages it keeps that an earlier layer keeps too (counted there)
    output_storage: int  # the id of its output's storage (a view or an in-place activation shares its input's)
    storages: tuple[int, ...] = ()  # the ids of every storage it keeps (its own and shared ones)


@dataclass(frozen=True)
class KeptNetwork:
    """What each layer keeps, as columns in graph order (a LayerKept a layer would be 100,000 objects for a chain that
    long, made for the walks to read one figure each); `layers` makes them for those who ask."""

    names: tuple[str, ...]
    saved: tuple[int, ...]  # each layer's saved_bytes
    shared: tuple[int, ...]  # shared_bytes
    outputs: tuple[int, ...]  # output_storage
    storages: tuple[tuple[int, ...], ...]  # storages
    input_bytes: int  # the network input, kept if its first layer keeps it (a convolution does)
    sizes: tuple[int, ...] = ()  # storage id -> bytes; 0 is the network input
    first_holders: tuple[int, ...] = ()  # storage id -> the index of the first layer that keeps it (-1: none does)

    @cached_property
    def layers(self) -> tuple[LayerKept, ...]:
        return tuple(map(LayerKept, self.names, self.saved, self.shared, self.outputs, self.storages))

    @property
    def total_bytes(self) -> int:
        return sum(self.saved)


def in_place_layers(rows: Sequence[Row], where: Reads | None = None) -> frozenset[str]:
    """The activations the builder runs in place, as torchvision does (`ReLU(inplace=True)`): an activation that can
    (`runs_in_place`), whose input is another layer's output that nothing else reads and that its producer neither
    keeps nor shares with its own input (overwriting it would change what backward reads). `where`: the rows' reads."""
    where = where or reads(rows)
    readers = [0] * (len(rows) + 1)  # by position (archcalc.analysis.reads): each read, a row reading one twice twice
    for xs in where.inputs:
        for x in xs:
            readers[x] += 1
    found = set()
    rules: dict[tuple[object, ...], Kept] = {}  # a producer's answer, once per layer (by id: rows alike share it) and Keeping
    for r, xs in zip(rows, where.inputs):
        if not getattr(r.layer, "in_place_alone", False) or xs[0] == where.network_input or readers[xs[0]] != 1:
            continue
        producer = rows[xs[0]]
        key = (id(producer.layer), id(producer.input_shapes), producer.name in found, len(producer.gpus), producer.placement)
        own = rules.get(key)
        if own is None:
            own = rules[key] = producer.layer.kept(keeping(producer, 1, 1, (True,) * len(producer.inputs), producer.name in found))
        if own.alias or own.output:
            continue
        if producer.activation is not None:
            fused = activation_kind(producer.activation)
            after = fused.kept(Keeping((producer.output,), producer.output, 1, 1, (True,), fused.runs_in_place))
            if after.alias or after.output:
                continue
        found.add(r.name)
    return frozenset(found)


def keeping(row: Row, batch: int, itemsize: int, grads: tuple[bool, ...], in_place: bool,
            contiguous: tuple[bool, ...] = ()) -> Keeping:
    from archcalc.analysis.split import SPLIT

    gpus = len(row.gpus) if row.placement == SPLIT else 1  # as the builder's Site has it
    return Keeping(row.input_shapes, row.output, batch, itemsize, grads, in_place, contiguous, gpus)


class Ledger:
    """Storages by id (0: the network input) and their bytes, and what each layer keeps: a storage is put to the
    first layer that keeps it, and counted as shared by the later ones."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.holders = [-1] * len(sizes)  # storage id -> the first layer that keeps it
        self.names: list[str] = []
        self.saved: list[int] = []
        self.shared: list[int] = []
        self.outputs: list[int] = []
        self.storages: list[tuple[int, ...]] = []

    def new(self, nbytes: int) -> int:
        """A new storage of `nbytes`; its id."""
        self.sizes.append(nbytes)
        self.holders.append(-1)
        return len(self.sizes) - 1

    def keep(self, name: str, keeps: Sequence[int], output_storage: int) -> None:
        storages = tuple(dict.fromkeys(keeps)) if len(keeps) > 1 else tuple(keeps)
        sizes, holders, index = self.sizes, self.holders, len(self.names)
        mine = shared = 0
        for s in storages:  # each once
            if holders[s] >= 0:
                shared += sizes[s]
            else:
                mine += sizes[s]
                holders[s] = index
        self.names.append(name)
        self.saved.append(mine)
        self.shared.append(shared)
        self.outputs.append(output_storage)
        self.storages.append(storages)

    def network(self) -> KeptNetwork:
        return KeptNetwork(tuple(self.names), tuple(self.saved), tuple(self.shared), tuple(self.outputs), tuple(self.storages),
                           self.sizes[0], tuple(self.sizes), tuple(self.holders))


def kept(rows: Sequence[Row], batch: int, itemsize: int, where: Reads | None = None) -> KeptNetwork:
    """Per layer, the bytes its forward keeps for backward; each storage once, module state left out. `where`: the
    rows' reads (archcalc.analysis.reads), made here where not given."""
    net_input = next(x for r in rows for i, x in zip(r.inputs, r.input_shapes) if i == INPUT)
    ledger = Ledger([batch * math.prod(net_input) * itemsize])
    new = ledger.new
    where = where or reads(rows)
    # each output by position, the network input's last: its storage, does it need a gradient, is it contiguous (a row's
    # is set when it runs, before any reader's)
    made = [(0, False, True)] * (len(rows) + 1)
    in_place = in_place_layers(rows, where)
    # a rule's answer for a layer (by id: rows alike share it) and its Keeping; its output's bytes; is that output flat
    rules: dict[tuple[object, ...], tuple[Kept, int, bool]] = {}
    for i, (r, xs) in enumerate(zip(rows, where.inputs)):
        grads: tuple[bool, ...]
        flags: tuple[bool, ...]
        if len(xs) == 1:
            first = made[xs[0]]
            grads, flags = (first[1],), (first[2],)
        else:
            grads, flags = tuple([made[x][1] for x in xs]), tuple([made[x][2] for x in xs])
        needs = True in grads or r.figures.params > 0
        # the output is the layer's of these inputs; the GPUs are keeping()'s, from the row's placement
        key = (id(r.layer), id(r.input_shapes), grads, r.name in in_place, flags, len(r.gpus), r.placement)
        known = rules.get(key)
        if known is None:
            k = keeping(r, batch, itemsize, grads, r.name in in_place, flags)
            own = r.layer.kept(k)
            flat = own.contiguous if own.contiguous is not None else (len(r.output) != len(r.input_shapes[0]) or k.is_contiguous(0))
            known = rules[key] = (own, k.bytes(r.output), flat)
        own, out_bytes, flat = known
        out = made[xs[0]][0] if own.alias else new(out_bytes)
        keeps = [made[xs[j]][0] for j in own.inputs] if own.inputs else []
        if own.output:
            keeps.append(out)
        if own.extra:
            keeps += [new(b) for b in own.extra]
        if r.layer.activation is not None:
            act = activation_kind(r.layer.activation)
            after = act.kept(Keeping((r.output,), r.output, batch, itemsize, (needs,), act.runs_in_place, (flat,)))
            pre, out = out, out if after.alias else new(out_bytes)
            keeps += [pre] * len(after.inputs) + ([out] if after.output else []) + [new(b) for b in after.extra]
        if not needs:
            keeps = []  # no graph: nothing recorded
        ledger.keep(r.name, keeps, out)
        made[i] = (out, needs, flat)
    return ledger.network()
