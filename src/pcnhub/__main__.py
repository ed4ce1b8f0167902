import sys

from pcnhub.cli.main import main

sys.exit(main())
