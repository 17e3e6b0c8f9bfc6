from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SampleDepartmentConfig(AppConfig):
    name = "govhub.sample_department"
    verbose_name = _("示例部门系统")
