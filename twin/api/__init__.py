"""The REST API (FastAPI). :func:`create_app` builds it; ``twin serve`` runs it."""

from twin.api.app import create_app

__all__ = ["create_app"]
