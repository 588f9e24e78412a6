"""Staff product services take ids: the staff check first, then the lookup, then the
input; error fields are the services' argument names."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from domain.catalog import services
from domain.orders.services import OrderLineRequest, order_place
from tests.factories import make_product, make_staff, make_user

pytestmark = pytest.mark.django_db

NO_SUCH_ID = 0


def _refusal(call) -> dict[str | None, list[str]]:
    """{field (None: the whole input): [codes]} of the ValidationError `call` raises."""
    with pytest.raises(ValidationError) as raised:
        call()
    error = raised.value
    if hasattr(error, "error_dict"):
        return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}
    return {None: [e.code for e in error.error_list]}


STAFF_SERVICES = {
    "product_update": lambda actor, pk: services.product_update(
        actor=actor, product_id=pk, name="New"
    ),
    "product_delete": lambda actor, pk: services.product_delete(actor=actor, product_id=pk),
    "stock_adjust": lambda actor, pk: services.stock_adjust(actor=actor, product_id=pk, delta=1),
}


@pytest.mark.parametrize("service", STAFF_SERVICES)
@pytest.mark.parametrize(
    ("who", "code"), [("anonymous", "unauthenticated"), ("customer", "permission_denied")]
)
def test_non_staff_are_refused_before_learning_whether_the_product_exists(service, who, code):
    # given a caller who is not staff, and an id that names no product
    actor = AnonymousUser() if who == "anonymous" else make_user()
    # when / then: the refusal is about the caller, not the product
    assert _refusal(lambda: STAFF_SERVICES[service](actor, NO_SUCH_ID)) == {None: [code]}


@pytest.mark.parametrize("service", STAFF_SERVICES)
def test_a_missing_product_is_not_found_on_product_id(service):
    # given staff and a deleted product
    staff = make_staff()
    product = make_product()
    services.product_delete(actor=staff, product_id=product.pk)
    # when / then
    assert _refusal(lambda: STAFF_SERVICES[service](staff, product.pk)) == {
        "product_id": ["not_found"]
    }


def test_staff_act_on_unpublished_products_by_id():
    # given
    draft = make_product(is_published=False, stock=1)
    # when
    product = services.stock_adjust(actor=make_staff(), product_id=draft.pk, delta=2)
    # then
    assert (product.pk, product.stock) == (draft.pk, 3)


def test_stock_adjust_refuses_going_below_zero_on_delta():
    # given
    product = make_product(stock=1)
    # when / then
    assert _refusal(
        lambda: services.stock_adjust(actor=make_staff(), product_id=product.pk, delta=-2)
    ) == {"delta": ["insufficient_stock"]}


def test_product_update_reports_every_invalid_field_by_argument_name():
    # given
    product = make_product()
    # when / then
    assert _refusal(
        lambda: services.product_update(
            actor=make_staff(), product_id=product.pk, name="", price="x", category_id=NO_SUCH_ID
        )
    ) == {"name": ["required"], "price": ["invalid"], "category_id": ["not_found"]}


def test_order_lines_naming_no_product_are_refused_with_the_other_line_errors():
    # given one line naming no product and one with a bad quantity
    lines = [
        OrderLineRequest(product_id=NO_SUCH_ID, quantity=1),
        OrderLineRequest(product_id=make_product().pk, quantity=0),
    ]
    # when / then
    assert _refusal(lambda: order_place(actor=make_user(), lines=lines)) == {
        "lines.0.product_id": ["product_unavailable"],
        "lines.1.quantity": ["invalid"],
    }
