from django.urls import path

from registries import views_security

urlpatterns = [
    path("accounts/password/change/", views_security.password_change, name="password_change"),
    path("accounts/otp/setup/", views_security.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", views_security.otp_verify, name="otp_verify"),
    path("audit/", views_security.audit_list, name="audit_list"),
]
