"""The console screens of joint reward and punishment, one sub-package each."""

from django.urls import include, path

app_name = "jrp"

urlpatterns = [
    path("measures/", include("xinyong.jrp.measures.urls")),
    path("check/", include("xinyong.jrp.check.urls")),
    path("channels/", include("xinyong.jrp.channels.urls")),
    path("feedback/", include("xinyong.jrp.feedback.urls")),
]
