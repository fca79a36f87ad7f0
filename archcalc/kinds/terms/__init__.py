"""What kinds are written in: value types a spec key is parsed into (values), size terms and their arithmetic
(sizes, sizes_other), receptive-field rules (fields) and the figures a layer costs (figures). Numbers only:
no torch, no rich, no spec files."""
