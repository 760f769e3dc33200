"""The signed summary: the PDF, the municipality's seal on it, and the public verification page."""
