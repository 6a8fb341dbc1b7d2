"""Entry point of ``python -m tests.benchmarks``."""

import sys

from tests.benchmarks.import_bench import main

sys.exit(main(sys.argv[1:]))
