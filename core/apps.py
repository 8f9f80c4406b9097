from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Regions and organizations")

    def ready(self) -> None:
        # Every date the API accepts through a model serializer is held to core.dates' range.
        from django.db import models
        from rest_framework import serializers

        from core.api_fields import ApiTextField
        from core.dates import ApiDateField, ApiDateTimeField

        serializers.ModelSerializer.serializer_field_mapping[models.DateField] = ApiDateField
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = ApiDateTimeField
        # And every free text has a length limit (a 1 MB description is nobody's need).
        serializers.ModelSerializer.serializer_field_mapping[models.TextField] = ApiTextField
