"""The HTTP edge: :func:`create_app` assembles every domain's router; ``twin serve`` runs it."""

from twin.api.app import create_app

__all__ = ["create_app"]
