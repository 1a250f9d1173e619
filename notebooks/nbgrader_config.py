"""nbgrader settings for running a course notebook's tests: JupyterLab's Validate button
(``make lab`` starts the server in this folder) and ``nbgrader validate`` run from here.
The instructor's grading/nbgrader_config.py loads this file, so both grade alike.
"""

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

# Per cell. A course cell needs seconds (a graded one up to a few minutes on a busy
# machine); an endless loop in a learner's DAG is stopped by the lab's per-try limit,
# one in a notebook cell by this timeout.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
# nbgrader's default stops a cell whose output takes over 4 s to arrive after it ends:
# a busy machine, not a wrong answer.
c.Execute.raise_on_iopub_timeout = False
