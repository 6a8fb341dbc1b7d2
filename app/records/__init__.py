"""Training records for audits: compliance per trainee, the post-entry training record, exports."""
