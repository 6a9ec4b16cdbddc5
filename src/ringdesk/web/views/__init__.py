"""Page routes of the admin UI and the agent page, one module per resource."""
