"""Writes of the comment themes: analysis of comments, discovery, assignment, edits, daily sums."""
