"""HTTP helpers that both the JSON API and the pages use: language, CSRF, rendering, errors.

Neutral ground: domains and ``app.web`` import from here; nothing here imports a domain's
services or a page router.
"""
