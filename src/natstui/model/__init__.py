"""Plain-Python data model: no Textual, no I/O."""
