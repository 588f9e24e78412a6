from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("graphql/", csrf_exempt(GraphQLView.as_view(graphiql=False))),
    path("healthz", healthz),
]
