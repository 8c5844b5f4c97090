"""Benchmarks: ratios against a baseline measured in the same process (never timed unit tests).

Everything a benchmark makes goes to `bench.registry.OUT` (``$ATLAS_WORK_DIR/bench``), never the checkout;
the app servers it starts on the shipped data keep their registry in a state folder under it too (through
``XDG_DATA_HOME``, as the tests do), so a benchmark never touches the bureau's own registry.
"""

import os

from atlas.core import settings

if not os.environ.get("ATLAS_STATE_DIR"):
    os.environ["XDG_DATA_HOME"] = str(settings.work_dir() / "bench" / "state-home")
