"""Open standards on the IFC side: model quality against IDS (``ifctester``).

Import the submodules directly (:mod:`bim_models.standards.ids`); this package does not load
``ifcopenshell`` on import.
"""

__all__: list[str] = []
