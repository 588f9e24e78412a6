from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a first run: the `seed_demo` management command."""

    name = "domain.demo"
    label = "demo"
    verbose_name = "Demo data"
