"""Customer identity (the golden record): identifiers of several kinds linked into one key."""
