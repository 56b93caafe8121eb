"""``python -m tailormed``: the same command as the installed ``tailormed`` entry point."""

from tailormed.cli import main

main()
