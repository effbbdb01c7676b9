"""Telegram: a Rasa input channel on python-telegram-bot, in webhook or polling mode.

formatting.py  Rasa replies as Telegram HTML, message parts, inline keyboards, photos
config.py      settings checks, the webhook secret, the start-up handshake (getMe, setWebhook)
channel.py     the Rasa input channel: /webhooks/telegram/webhook, secret-checked
poll.py        `python -m bot telegram-poll`: getUpdates, forwarded to that route on loopback
"""
