"""One module per area of the dashboard; each has `add_routes(app)`."""
