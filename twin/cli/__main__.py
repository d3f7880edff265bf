"""``python -m twin.cli``: the ``twin`` command line."""

from twin.cli.launch import main

main()
