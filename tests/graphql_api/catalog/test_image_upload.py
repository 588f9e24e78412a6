"""Image upload through the GraphQL multipart request spec."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from domain.catalog.models import ProductImage
from tests.factories import make_product, make_product_image, make_user
from tests.support.graphql import bearer, contract_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

STAFF = contract_document("staff")


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(client: Client, product_id: str, content: bytes, name: str, **headers):
    operations = {
        "query": STAFF,
        "operationName": "ProductImageUpload",
        "variables": {"productId": product_id, "file": None, "altText": "Front"},
    }
    return client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile(name, content, content_type="image/png"),
        },
        headers=headers,
    )


@pytest.fixture
def staff_token(client):
    make_user(email="staff@example.com", password="a-long-pass-phrase-9", is_staff=True)
    response = client.post(
        "/graphql/",
        {
            "query": 'mutation { tokenCreate(email: "staff@example.com", '
            'password: "a-long-pass-phrase-9") { token } }'
        },
        content_type="application/json",
    )
    return response.json()["data"]["tokenCreate"]["token"]


def test_a_real_png_is_stored_and_served_back_at_its_url(client, staff_token):
    product = make_product()
    content = _png()
    response = _upload(
        client,
        global_id("Product", product.pk),
        content,
        "../../etc/passwd.png",
        **bearer(staff_token),
    )
    payload = response.json()["data"]["productImageUpload"]
    assert payload["errors"] == []
    assert payload["image"]["altText"] == "Front" and payload["image"]["position"] == 0
    stored = ProductImage.objects.get()
    assert stored.image.name.startswith(f"products/{product.pk}/")
    assert "passwd" not in stored.image.name
    served = client.get(payload["image"]["url"].removeprefix("http://testserver"))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content


def test_a_text_file_named_png_is_refused(client, staff_token):
    product = make_product()
    response = _upload(
        client,
        global_id("Product", product.pk),
        b"just some text",
        "photo.png",
        **bearer(staff_token),
    )
    assert response.json()["data"]["productImageUpload"] == {
        "image": None,
        "errors": [
            {
                "field": "file",
                "message": "The file is not a JPEG, PNG or WebP image.",
                "code": "INVALID_IMAGE",
            }
        ],
    }
    assert not ProductImage.objects.exists()


def test_an_image_over_5_mb_is_refused(client, staff_token, monkeypatch):
    from domain.catalog.services import images

    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 50)
    product = make_product()
    response = _upload(
        client, global_id("Product", product.pk), _png((64, 64)), "big.png", **bearer(staff_token)
    )
    assert response.json()["data"]["productImageUpload"]["errors"] == [
        {"field": "file", "message": "The file is larger than 5 MB.", "code": "FILE_TOO_LARGE"}
    ]


def test_a_gif_is_refused(client, staff_token):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    response = _upload(
        client,
        global_id("Product", make_product().pk),
        buffer.getvalue(),
        "a.png",
        **bearer(staff_token),
    )
    assert response.json()["data"]["productImageUpload"]["errors"][0]["code"] == "INVALID_IMAGE"


def test_the_twenty_first_image_is_refused(client, staff_token):
    product = make_product()
    for n in range(20):
        make_product_image(product=product, image=f"x/{n}.png", position=n)
    response = _upload(
        client, global_id("Product", product.pk), _png(), "a.png", **bearer(staff_token)
    )
    assert response.json()["data"]["productImageUpload"]["errors"][0]["code"] == ("TOO_MANY_IMAGES")


def test_a_multipart_request_without_bearer_or_csrf_token_is_refused():
    staff = make_user(is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = _upload(client, global_id("Product", make_product().pk), _png(), "a.png")
    assert response.status_code == 403
    anonymous = _upload(
        Client(enforce_csrf_checks=True), global_id("Product", make_product().pk), _png(), "a.png"
    )
    assert anonymous.status_code == 403
    assert not ProductImage.objects.exists()
