from domain.common.error_codes import DocumentedCode


class CatalogErrorCode(DocumentedCode):
    INSUFFICIENT_STOCK = "insufficient_stock", "Not enough stock for this change or order."
    ALREADY_EXISTS = "already_exists", "You already did this (one review per product)."
    INVALID_IMAGE = "invalid_image", "The file is not a JPEG, PNG or WebP image."
    FILE_TOO_LARGE = "file_too_large", "The file is larger than allowed (5 MB)."
    TOO_MANY_IMAGES = "too_many_images", "The product already has the most images allowed (20)."
    IN_USE = (
        "in_use",
        "The object is still in use (a category that holds products or subcategories).",
    )
