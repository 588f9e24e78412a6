from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "domain.catalog"
    label = "catalog"
    verbose_name = "Catalog"
