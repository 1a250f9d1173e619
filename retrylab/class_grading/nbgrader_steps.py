"""nbgrader's ``autograde`` then ``generate_feedback`` of one submission, in one process.

``python -m retrylab.class_grading.nbgrader_steps MODULE STUDENT --CourseDirectory.x=y ...``, run in the course's
grading/ folder. Why not the two ``nbgrader`` commands: each starts an interpreter and imports nbgrader and
nbconvert (about 2 s here), and a class pays that per submission. This reads the same configuration the
command would (grading/nbgrader_config.py, then the options) and runs the same two converters through
``NbGraderAPI``, the API formgrader uses; exit 1 with nbgrader's log when a step fails.
"""

from __future__ import annotations

import sys

KERNEL_DIED = "Kernel died before replying to kernel_info"


def main(argv: list[str]) -> int:
    module, student, *options = argv
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp

    app = NbGraderApp.instance()
    app.initialize(options)
    api = NbGraderAPI(parent=app)
    for step in (api.autograde, api.generate_feedback):
        for _attempt in range(2):
            result = step(module, student, force=True)
            said = f"{result.get('log', '')}{result.get('error', '')}"
            # Two kernels started at the same moment by separate processes can pick the same free TCP port
            # (jupyter_client probes, then binds later): the loser dies at start. Not the learner's doing; once more.
            if result["success"] or KERNEL_DIED not in said:
                break
        if not result["success"]:
            print(f"nbgrader {step.__name__} failed:\n{said}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
