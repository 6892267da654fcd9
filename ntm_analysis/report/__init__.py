"""Report layer: words, charts, pages and the registry of report kinds."""
