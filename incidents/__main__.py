"""``python -m incidents``."""

from incidents.cli import main

main()
