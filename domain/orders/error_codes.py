from domain.common.error_codes import DocumentedCode


class OrderErrorCode(DocumentedCode):
    INSUFFICIENT_STOCK = "insufficient_stock", "Not enough stock for this change or order."
    PRODUCT_UNAVAILABLE = (
        "product_unavailable",
        "The product does not exist, is not published, or was deleted.",
    )
    INVALID_STATUS = "invalid_status", "The order is not in a status that allows this."
    MIXED_CURRENCIES = "mixed_currencies", "All products of one order must share a currency."
