"""Who created, changed or deleted what, when, in which cooperative."""
