"""E-mail: composition in the recipient's language, the outbox handler and the transports."""
