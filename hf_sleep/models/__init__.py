"""The architectures, one folder each."""
