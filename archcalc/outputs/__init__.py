"""What machines read: the JSON documents (serialize, written by jsontext) and the spec's JSON schema (schema)."""
