"""Contacts between visits, the 24-hour answer, the hotline, feedback on visits and team meetings."""
