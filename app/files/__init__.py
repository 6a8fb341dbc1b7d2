"""Content-addressed file storage: every stored file is named by its sha256."""
