"""Parts of the JSON that many layers have alike, and the JSON text of a whole document at once.

The text is archcalc.outputs.jsonwrite's: `json.dumps(doc, indent=2, ensure_ascii=False)`'s, written by orjson."""

from __future__ import annotations

from archcalc.outputs.jsonwrite import Shared, SharedMap, dumps

__all__ = ["Shared", "SharedMap", "dumps"]
