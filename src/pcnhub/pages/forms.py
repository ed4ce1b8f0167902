"""Forms every app's pages share, in the NHS.UK design system.

Every form renders with NHS.UK frontend classes (see ``templates/pages/_field.html``): the
:class:`NHSFormMixin` gives widgets their ``nhsuk-*`` classes, and after validation marks fields
in error (``nhsuk-input--error`` ..., ``aria-describedby`` pointing at the error message).
"""

from __future__ import annotations

from django import forms

from pcnhub.domain import rules

DATE_FORMAT = "%Y-%m-%d"
DATE_ERRORS = {"invalid": "Enter a real date in the form YYYY-MM-DD, for example 2025-01-31"}


def clean_band(form: forms.Form, data: dict) -> dict:
    """Put ``band`` into a form's cleaned data: None when the limits (and ``upper_binds``, if the form has it) are
    blank, meaning each network's band policy; else a :class:`rules.Band` whose blank limit takes the DES band's.
    An error on ``lower`` when the limits are inconsistent."""
    lower, upper, upper_binds = data.get("lower"), data.get("upper"), data.get("upper_binds", False)
    if "lower" in data and "upper" in data:
        if lower is None and upper is None and not upper_binds:
            data["band"] = None
            return data
        try:
            data["band"] = rules.Band.of(lower, upper, upper_binds)
        except ValueError as exc:
            message = str(exc)
            form.add_error("lower", message[:1].upper() + message[1:])
    return data


def show_band(form: forms.Form, band: rules.Band) -> None:
    """Show ``band``'s limits as the placeholders of a form's blank ``lower`` and ``upper`` fields (the band the
    page used: the area's policy, or the DES band)."""
    for name, value in (("lower", band.lower), ("upper", band.upper)):
        form.fields[name].widget.attrs["placeholder"] = str(value)


def date_field(label: str, required: bool, help_text: str = "", required_message: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATE_FORMAT],
        error_messages={**DATE_ERRORS, "required": required_message or f"Enter the {label.lower()}"},
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format=DATE_FORMAT),
    )


class NHSFormMixin:
    """NHS.UK frontend classes on widgets, and error states once the form is validated."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                base = "nhsuk-checkboxes__input"
            elif isinstance(widget, forms.Select):
                base = "nhsuk-select"
            elif isinstance(widget, forms.Textarea):
                base = "nhsuk-textarea"
            else:
                base = "nhsuk-input"
            widget.attrs["class"] = " ".join(filter(None, [base, widget.attrs.get("class", "")]))

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field, bound = self.fields[name], self[name]
            widget = field.widget
            first = widget.attrs["class"].split()[0]
            if not isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] += f" {first}--error"
            described = [f"{bound.auto_id}-error"]
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            widget.attrs["aria-describedby"] = " ".join(described)

    def error_list(self) -> list[tuple[str, str]]:
        """``(anchor, message)`` for the NHS.UK error summary, in field order."""
        items = [(f"#{self.prefix or 'form'}-errors", e) for e in self.non_field_errors()]
        for bound in self:
            items.extend((f"#{bound.id_for_label}", e) for e in bound.errors)
        return items


class DateForm(NHSFormMixin, forms.Form):
    """``?date=YYYY-MM-DD``: the date a page shows the register as it stood on."""

    date = date_field("Date", required=False)
