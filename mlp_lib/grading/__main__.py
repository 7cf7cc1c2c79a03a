"""``python -m mlp_lib.grading PATH``: see ``mlp_lib.grading.cli``."""
import sys

from .cli import main

sys.exit(main())
