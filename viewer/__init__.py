"""viewer package: see DESIGN.md. Filled in by later issues."""

__all__: list[str] = []
