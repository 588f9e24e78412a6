"""A deleted product may lose its category: deleting a category detaches the deleted
products that still point at it (domain/catalog/services/categories.py), while a live
product always has one (`product_live_has_category`)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_product_search_vector'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='product',
            name='category',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='products', to='catalog.category'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('category__isnull', False), ('deleted_at__isnull', False), _connector='OR'), name='product_live_has_category'),
        ),
    ]
