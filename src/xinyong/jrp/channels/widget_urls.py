"""The embeddable widget's page (/jrp/widget/), framed by departments' acceptance systems."""

from django.urls import path

from xinyong.jrp.channels import views

app_name = "jrp_widget"

urlpatterns = [
    path("", views.widget_frame, name="frame"),
]
