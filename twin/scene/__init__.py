"""The 3D scene in the running system: ``…/scene.glb`` and ``…/scene/meta`` (built once per
model file, ETag/304), the web app at ``/viewer``, and ``twin export-gltf``, ``snapshot`` and
``tour``. The logic is :mod:`viewer`."""

__all__: list[str] = []
