"""Pure functions that turn one fetched page or API response into comments.

Each parser takes the body (text or decoded JSON) and the URL it came from and answers a
``Page``: the comments found, the requests to follow (next page, "load more" replies) and the
items the site marks deleted. Nothing here touches the network, Scrapy or the store, so each
parser is tested on saved real responses.
"""

from .common import Page, ParseError

__all__ = ["Page", "ParseError"]
