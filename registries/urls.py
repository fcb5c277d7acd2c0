from django.urls import path

from registries import views

urlpatterns = [
    path("", views.home, name="home"),
]
