"""The web portal (web/portal, Vue 3): its built files and the history fallback at ``/``."""
