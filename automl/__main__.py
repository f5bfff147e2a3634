import sys

from automl.cli import main

sys.exit(main())
