"""The console's pages, one blueprint per area: signing in, and the tickets."""
