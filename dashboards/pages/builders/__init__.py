"""Page builders: one per dashboard page, each composed of one builder per section."""
