import sys

from pcnhub.cli import main

sys.exit(main())
