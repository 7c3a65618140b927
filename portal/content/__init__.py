"""Articles, categories, authors, the paywall, search and feeds."""
