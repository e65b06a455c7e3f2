from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from aftersales.api.api import api
from aftersales.web import views as web

admin.site.site_header = "售后服务管理系统 · 管理"
admin.site.site_title = "售后服务管理系统"

urlpatterns = [
    path("", web.home, name="home"),
    path("login/", web.login_view, name="login"),
    path("logout/", web.logout_view, name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", web.healthz, name="healthz"),
    path("customers/", include("aftersales.customers.urls")),
    path("people/", include("aftersales.org.urls")),
    path("audit/", include("aftersales.audit.urls")),
    path("sla/", include("aftersales.sla.urls")),
    path("installed/", include("aftersales.installed.urls")),
    path("calls/", include("aftersales.calls.urls")),
    path("dispatch/", include("aftersales.dispatch.urls")),
    path("triage/", include("aftersales.triage.urls")),
    path("charges/", include("aftersales.charges.urls")),
    path("stock/reports/", include("aftersales.partsreports.urls")),  # before any "stock/" mount
    path("stock/", include("aftersales.stock.urls")),
    path("supply/", include("aftersales.supply.urls")),
    path("notifications/", include("aftersales.notifications.urls")),
    path("stocktake/", include("aftersales.stocktake.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
