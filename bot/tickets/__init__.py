"""Servicedesk tickets: what the assistant hands over when only a person can help.

Some requests (a lost phone, a new MFA method) need the servicedesk to check the person's photo
ID, so the assistant cannot finish them. It records a ticket (``store``), and the servicedesk
hears about it by e-mail and/or a JSON webhook (``notifiers``). Delivery goes through an outbox
(``outbox``) written in the same transaction as the ticket: if SMTP or the webhook is down the
message waits and goes out later, so no request is lost between the chat and the servicedesk.
Agents work the tickets in the web console, which reads and writes through ``store`` too.
"""
