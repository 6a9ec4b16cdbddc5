"""Business flows, the use cases: take a call event in (`intake`), pop the caller's screen
(`screenpop`), search and sync contacts and users, deliver created contacts, call logs and
tickets through the outbox (`jobs`), connect integrations, fire follow-up requests."""
