"""The one error family the lab raises at a learner: a message, no traceback.

Why: a learner who typed a wrong path or runs the wrong Airflow needs the
sentence that says what to do, not forty lines of library frames. IPython
shows ``_render_traceback_()`` instead of the traceback when it exists.
"""

from __future__ import annotations


class LabError(RuntimeError):
    """Something the learner can fix; the message says how."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]
