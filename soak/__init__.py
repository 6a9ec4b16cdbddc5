"""The soak harness: ringdesk on PostgreSQL under kill -9, helpdesk faults and token
expiry, checked from the helpdesk's side (`python -m soak`, `make soak`).

Modules: `plan` (the seeded call mix), `pg` (a throwaway cluster), `helpdesk` (the demo
helpdesk with known contacts), `processes` (start, kill, restart, RSS), `connect` (set
ringdesk up through its admin API and OAuth2, as a user does), `traffic` (signed webhook
events), `faults` (what the helpdesk does wrong, and when), `checks` (the verdicts),
`report` and `run` (the whole soak).
"""
