"""Comment themes: what customers write about, its sentiment, and its impact on the scores."""
