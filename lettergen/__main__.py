"""``python -m lettergen`` runs the command line."""

from lettergen.cli import main

main()
