"""``python -m twin.cli``: the ``twin`` command line."""

from twin.cli.app import main

main()
