"""The supervisor's ("leder") review: visit history, follow-up discipline, indicators, exports, access log."""
