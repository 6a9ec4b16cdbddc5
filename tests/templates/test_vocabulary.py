"""The names the template format knows stay in step with the code that uses them."""

from __future__ import annotations

from ringdesk import phones
from ringdesk.templates import model as m
from ringdesk.templates import vocabulary


def test_template_phone_forms_are_the_lookup_forms():
    """`phoneForms` accepts exactly the forms `phones` can produce (C7)."""
    assert vocabulary.PHONE_FORMS == phones.FORMS
    assert set(phones.DEFAULT_FORMS) <= set(vocabulary.PHONE_FORMS)


def test_model_re_exports_the_vocabulary():
    for name in vocabulary.__all__:
        assert getattr(m, name) is getattr(vocabulary, name)
