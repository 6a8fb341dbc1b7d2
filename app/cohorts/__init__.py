"""Cohorts of trainees and their import."""
