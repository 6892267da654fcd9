"""Analysis layer: checks, progress measures and gaps computed from the data layer (ids and numbers)."""
