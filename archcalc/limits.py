"""The limits archcalc enforces on what a spec (untrusted input) may cost, in one place.

Any real network fits well inside them; a spec past one is refused with a message that names the
limit (README, "Reliability", its "Limits"), never left to run out of memory or time.
"""

from __future__ import annotations

MAX_INT = 2**63 - 1  # sizes, counts and stated figures: torch's int64 (long long) holds them, no network needs more
MAX_INT_TEXT = "2^63 − 1 (9,223,372,036,854,775,807)"
MAX_YAML_DIGITS = 4300  # Python's own limit for turning text into an int (sys.get_int_max_str_digits)
MAX_NESTING = 100  # lists and mappings inside each other in the YAML
MAX_ALIAS_VALUES = 100_000  # values YAML aliases may repeat in all: a "billion laughs" file is refused while loading
MAX_GPUS = 1024  # gpus: each GPU's share of every layer is worked out and shown
MAX_GPU_SHARES = 4_000_000  # layers × gpus
MAX_LAYERS = 100_000  # layers a spec may expand to, blocks included (--max-layers raises it): 100,000 layers take about 1 GB and 30 s
MAX_DRAWN_LAYERS = 10_000  # a picture's nodes (the Graphviz graph, the volumes figure), folded blocks counting one each
MAX_ARITHMETIC_CHARS = 1000  # the text of one $ expression
MAX_ARITHMETIC_DEPTH = 50  # nested parentheses and leading minus signs in one $ expression
MAX_ARITHMETIC_DIGITS = 30  # any value inside a $ expression stays below 10^30
MAX_TABLE_ROWS = 2000  # a longer table shows its first and last rows (--all shows every row)
TABLE_EDGE_ROWS = 100  # rows shown at each end of a cut table
MAX_TEXT_CHARS = 300  # free text (a description, a source) in a table is cut to this many characters
MAX_MIN_TIME_S = 3600.0  # archcalc run --min-time
