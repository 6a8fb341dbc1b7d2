"""Cooperatives (the tenants), their employers, users, roles, login and API tokens."""
