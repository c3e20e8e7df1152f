"""The knowledge base: who owns each domain, where, and which government lists name them."""
