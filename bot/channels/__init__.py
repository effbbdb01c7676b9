"""Rasa input channels of the assistant (REST now; widget and Telegram build on the same checks)."""
