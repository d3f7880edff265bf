"""Lazy package exports (PEP 562), shared by the packages whose ``__init__`` re-exports the
public names of their submodules: ``import pkg`` stays cheap and a name's submodule is imported
on first use, so that a command imports only what it works with."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports", "submodule_of"]


def submodule_of(exports: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Public name -> the submodule providing it, from submodule -> its public names.

    Examples
    --------
    >>> submodule_of({"pkg.load": ("load", "open")})
    {'load': 'pkg.load', 'open': 'pkg.load'}
    """
    return {name: module for module, names in exports.items() for name in names}


def lazy_exports(package: str, submodules: Mapping[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list]]:
    """The module ``__getattr__`` and ``__dir__`` of a package with lazy exports.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (for error messages).
    submodules : mapping of str to str
        Public name -> the submodule (dotted name) providing it (:func:`submodule_of`).
    namespace : dict
        The package's ``globals()``: a name is cached there once imported, and ``__dir__``
        lists it with ``__all__``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign in the package's ``__init__``.

    Examples
    --------
    ``__getattr__, __dir__ = lazy_exports(__name__, {"load": "pkg.load"}, globals())``
    """

    def __getattr__(name: str) -> Any:
        if name not in submodules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(submodules[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
