"""Data files of :mod:`assets`: the default approval chains (``approval_chains.toml``)."""

__all__: list[str] = []
