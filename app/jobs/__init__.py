"""Background jobs kept in the database, so any process (or several) can claim them."""
