"""Scrapy settings of the Gapwatch crawler: polite by default.

``spiders.run`` loads this module and overrides a few values from Gapwatch's own settings
(``GAPWATCH_CRAWL_*``, see docs/settings.md); ``scrapy.cfg`` points the ``scrapy`` command here too.
"""

BOT_NAME = "gapwatch"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

USER_AGENT = "Gapwatch/0.1 (+https://github.com/gapwatch/gapwatch; self-hosted review monitor)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled for each further one

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"

DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.NetworkGuard": 50,
    "spiders.middlewares.RetryBackoff": 60,
}
ITEM_PIPELINES = {"spiders.pipelines.ingest.IngestPipeline": 300}

GAPWATCH_ALLOW_PRIVATE_NETWORKS = False
