"""Product images: checked by decoding, stored under a generated name."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from PIL import Image, UnidentifiedImageError

from domain.catalog.error_codes import CatalogErrorCode
from domain.catalog.models import Product, ProductImage
from domain.catalog.services.products import product_for_staff_write
from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.read_version import catalog_write

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES_PER_PRODUCT = 20
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding them


def _image_format(upload: Any) -> str:
    """The decoded format of the upload, or INVALID_IMAGE."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > MAX_PIXELS:
                raise field_error(
                    "file", "The image has too many pixels.", CatalogErrorCode.INVALID_IMAGE
                )
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise field_error(
            "file", "The file is not a JPEG, PNG or WebP image.", CatalogErrorCode.INVALID_IMAGE
        ) from None
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise field_error(
            "file", "The file is not a JPEG, PNG or WebP image.", CatalogErrorCode.INVALID_IMAGE
        )
    return image_format


def product_image_add(
    *, actor: Any, product_id: int, upload: Any, alt_text: str | None = None
) -> ProductImage:
    product = product_for_staff_write(actor=actor, product_id=product_id)
    if upload.size > MAX_IMAGE_BYTES:
        raise field_error("file", "The file is larger than 5 MB.", CatalogErrorCode.FILE_TOO_LARGE)
    if len(alt_text or "") > 255:
        raise field_error("alt_text", "At most 255 characters.", CommonErrorCode.INVALID)
    image_format = _image_format(upload)
    upload.name = f"upload.{ALLOWED_FORMATS[image_format]}"  # never the client's name
    with catalog_write() as write:
        locked = Product.objects.select_for_update().filter(pk=product.pk).first()
        if locked is None:
            raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
        images = ProductImage.objects.filter(product=locked)
        if images.count() >= MAX_IMAGES_PER_PRODUCT:
            raise field_error(
                "file", "The product has 20 images already.", CatalogErrorCode.TOO_MANY_IMAGES
            )
        last = images.aggregate(last=Max("position"))["last"]
        image = ProductImage(
            product=locked, alt_text=alt_text or "", position=0 if last is None else last + 1
        )
        image.image.save(upload.name, upload, save=False)
        image.save()
        write.changed(was_public=locked.is_public, is_public=locked.is_public)
    return image
