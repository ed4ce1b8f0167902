"""When each row of the organisations, their names and parents, memberships and partnerships last changed."""

import django.utils.timezone
from django.db import migrations, models


def _field():
    return models.DateTimeField(auto_now=True, db_index=True, default=django.utils.timezone.now,
                                help_text="When this row last changed.")


class Migration(migrations.Migration):
    dependencies = [("register", "0005_importrun_warnings_notes")]

    operations = [
        migrations.AddField(model_name=name, name="updated", field=_field(), preserve_default=False)
        for name in ("organisation", "organisationname", "parentage", "membership", "partnership")
    ]
