"""The console screens of due process (/console/dueprocess/), one sub-package each."""

from django.urls import include, path

from xinyong.dueprocess.commitments.urls import console_urlpatterns as commitments
from xinyong.dueprocess.objections.urls import console_urlpatterns as objections
from xinyong.dueprocess.repairs.urls import console_urlpatterns as repairs
from xinyong.dueprocess.subject_accounts.urls import console_urlpatterns as subject_accounts

app_name = "dueprocess"

urlpatterns = [
    path("accounts/", include(subject_accounts)),
    path("objections/", include(objections)),
    path("repairs/", include(repairs)),
    path("commitments/", include(commitments)),
]
