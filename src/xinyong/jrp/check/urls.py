from django.urls import path

from xinyong.jrp.check import views

urlpatterns = [
    path("", views.check_page, name="check_page"),
]
