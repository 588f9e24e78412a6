"""Display names are no longer taken from the email: the default is a neutral name, and
existing accounts whose display name is their email's local part (what the old default
gave them) or empty get that neutral name. A person who chose exactly their email's local
part as a name cannot be told apart from the default; they lose it and may set it again."""

from django.db import migrations, models
from django.db.models import F, Q, Value
from django.db.models.functions import Left, StrIndex

NEUTRAL_DISPLAY_NAME = "Customer"  # domain.accounts.models.DEFAULT_DISPLAY_NAME at this point


def neutral_display_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    local_part = Left("email", StrIndex("email", Value("@")) - 1)
    derived = (
        User.objects.annotate(local_part=local_part)
        .filter(Q(display_name=F("local_part")) | Q(display_name=""))
        .values("pk")
    )
    User.objects.filter(pk__in=derived).update(display_name=NEUTRAL_DISPLAY_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_refresh_token"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="display_name",
            field=models.CharField(default=NEUTRAL_DISPLAY_NAME, max_length=100),
        ),
        migrations.RunPython(neutral_display_names, migrations.RunPython.noop, elidable=True),
    ]
