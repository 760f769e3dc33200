"""Checklist templates: versions an administrator copies, edits as a draft and publishes."""
