"""``python -m homeroom.cli``: the same command line as ``homeroom``."""
from homeroom.cli.main import main

main()
