"""Delivery of sealed summaries to the company contact and the citizen, through channel adapters."""
