"""The subject's own pages on the portal (我的信用, /my/): account, archive, objections, repairs, commitments."""

from django.urls import include, path

from xinyong.dueprocess.commitments.urls import portal_urlpatterns as commitments
from xinyong.dueprocess.objections.urls import portal_urlpatterns as objections
from xinyong.dueprocess.repairs.urls import portal_urlpatterns as repairs
from xinyong.dueprocess.subject_accounts.urls import portal_urlpatterns as subject_accounts

app_name = "my"

urlpatterns = [
    path("", include(subject_accounts)),
    path("objections/", include(objections)),
    path("repairs/", include(repairs)),
    path("commitments/", include(commitments)),
]
