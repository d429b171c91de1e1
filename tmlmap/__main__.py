import sys

from tmlmap.cli import main

sys.exit(main())
