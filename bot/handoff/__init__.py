"""Handing a conversation to the servicedesk: why, the ticket form's fields, and the ticket."""
