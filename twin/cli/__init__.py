"""The ``twin`` command line: :mod:`twin.cli.app` assembles it from each domain's commands."""
