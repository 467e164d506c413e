"""The social workers' dashboard: a small aiohttp web app over the domain packages."""
