from django.db import models
from django.utils.translation import gettext_lazy as _


class PairingKind(models.TextChoices):
    EAST_WEST = "east_west", _("东西部协作")
    COUNTERPART_SUPPORT = "support", _("对口支援")
    COUNTERPART_COOPERATION = "cooperation", _("对口合作")
    MOUNTAIN_SEA = "mountain_sea", _("山海协作")
