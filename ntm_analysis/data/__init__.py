"""Data layer: the report's figures, cited context, reference tables and commune files, read and validated."""
