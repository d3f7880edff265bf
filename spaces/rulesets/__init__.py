"""The bundled area-standard rule sets (TOML data read by :mod:`spaces.area_standards`)."""
