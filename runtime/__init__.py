"""How the service is configured, run and watched: settings, the `contacts` command, logs and
metrics, and the demo data."""
