"""Live updates: Server-Sent Events fed by Valkey pub/sub through Litestar's channels (see service,
and pubsub for the channels backend)."""
