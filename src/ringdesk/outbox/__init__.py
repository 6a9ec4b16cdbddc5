"""Durable delivery of helpdesk work (L3): jobs are rows of the `outbox` table
(`ringdesk.store.outbox`), added in the same transaction as the call event that causes
them, and delivered by `outbox.worker` through the handlers of their kind
(`outbox.jobs.JobKind`, registered by `ringdesk.flows.jobs`)."""
