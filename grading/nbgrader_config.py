"""nbgrader settings for the course. Run nbgrader from this folder (the Makefile does).

solutions/ is the source (one authored copy), notebooks/ the release learners
open; submissions, autograded copies, feedback and the gradebook stay here
and are not committed.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.dirname(HERE)

# nbgrader runs its environment's `alembic` command when it creates the gradebook: find it
# even when nbgrader was started as .venv/bin/nbgrader without activating the environment.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

from nbgrader.converters.autograde import Autograde  # noqa: E402 - after the PATH fix above

from retrylab.grading_slice import GradingSlice  # noqa: E402

c.CourseDirectory.course_id = "retry-safe-airflow"
c.CourseDirectory.root = COURSE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".sandbox", "dags", "*.backup-*.ipynb"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# `make collect`: nbgrader's zip_collect reads grading/downloaded/<module>/archive/, where each
# file is named <student>_<module>.ipynb (or a .zip of it), as downloaded from an LMS.
c.ZipCollectApp.downloaded_directory = os.path.join("grading", "downloaded")
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^/_]+)_(?P<file_id>[^/_]+\.ipynb)$"

# `make workshop`'s hub: release, collect and return feedback through nbgrader's exchange there.
c.Exchange.root = os.environ.get("RETRYLAB_EXCHANGE", os.path.join(COURSE, "workshop", "run", "exchange"))

# How a cell runs (its time limit) is shared with the learners' Validate button.
load_subconfig(os.path.join(COURSE, "notebooks", "nbgrader_config.py"))  # noqa: F821

# Autograde runs the learner's cells, the graded cells and the cells they need, not the lesson's demonstrations
# (retrylab/grading_slice.py). `--GradingSlice.enabled=False` runs every cell, as plain nbgrader does.
c.Autograde.autograde_preprocessors = [GradingSlice, *Autograde.class_traits()["autograde_preprocessors"].default()]

# A learner who deletes a graded cell gets it back, with a note saying so.
c.OverwriteCells.add_missing_cells = True
# (nbgrader turns the note into a comment line itself.)
c.OverwriteCells.missing_cell_notification = (
    "NOTE: this graded cell ({cell_id}) was missing from your submission; "
    "the grader put the original back and ran it. Keep graded cells in your notebook.\n"
)
