import sys

from retrylab.class_grading.run import main

sys.exit(main())
