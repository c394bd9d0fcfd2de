"""The document id and number as long as the hub takes them: never cut what routes statuses."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incoming', '0004_text'),
    ]

    operations = [
        migrations.AlterField(
            model_name='incomingdocument',
            name='code_number',
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AlterField(
            model_name='incomingdocument',
            name='document_id',
            field=models.CharField(max_length=255),
        ),
    ]
