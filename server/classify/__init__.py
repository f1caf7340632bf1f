"""Reading comments: tagging with attributes and sentiment (``tagging``), the taxonomy, people's
corrections and the comments most like a corrected one, the review queues, learning from
ratings, languages, and themes."""
