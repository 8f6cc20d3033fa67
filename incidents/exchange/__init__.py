"""Files <-> schema: YAML/JSON documents, flat rows and CSV. No SQL."""
