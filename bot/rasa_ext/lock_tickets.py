"""A message waiting for a conversation's lock outlives the ones ahead of it.

Rasa's lock store gives each message of a conversation a numbered ticket that expires
`TICKET_LOCK_LIFETIME` seconds after it was issued, whether its message is being answered or
still waiting, and a waiting message looks again once a second, dropping the expired tickets
first. When a replica dies while answering, its ticket stays until it expires. A message of
the same conversation that arrived less than a second after the dead one therefore expires
in the same look that drops the dead ticket: it is no longer in the queue, so it is never
served and waits until its connection is given up (seen in the benchmark: users who send
their next message at once after a failed one waited 30 s and got no answer).

So a ticket here expires a lifetime after the last ticket ahead of it expires (or after it
is issued, if none is ahead): however long the queue, every message is still in it when its
turn comes, and still holds the lock for a whole lifetime once served. Finished messages
remove their tickets as before, so a queue of live messages moves as fast as it did.
"""

from __future__ import annotations

import time

from rasa.core.lock import Ticket, TicketLock


def issue_ticket(self: TicketLock, lifetime: float) -> int:
    """Rasa's TicketLock.issue_ticket, with the expiry counted from the end of the queue."""
    self.remove_expired_tickets()
    number = self.last_issued + 1
    ahead = max((ticket.expires for ticket in self.tickets), default=0.0)
    self.tickets.append(Ticket(number, max(time.time(), ahead) + lifetime))
    return number


def install() -> None:
    TicketLock.issue_ticket = issue_ticket  # type: ignore[method-assign]
