"""Koshu: the legal-protection lecture, from PowerPoint decks to audited training records."""
