"""The document id and number as long as the hub takes them: never cut what routes statuses."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outgoing', '0006_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outgoingdocument',
            name='document_id',
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
