"""Guests: invitations of partner classes, the lobby where guests wait, the browser guest page and the printable
sheet.
"""
