"""``python -m spiders.shared crawl …``: one worker's crawl process."""

import sys

from .worker import main

sys.exit(main())
