"""The pages' forms. They only turn the posted text into the API's types (a number field's
text into a float) and carry the CSRF token (Flask-WTF): what values are allowed is decided by
the API's own field rules (``app.api.common.checked``), so a form never holds a second copy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField
from wtforms.fields import EmailField, FieldList, FloatField, FormField
from wtforms.validators import Optional

# Blank rows a course form offers for new categories; a script adds more in the browser.
SPARE_WEIGHT_ROWS = 2


class WeightRow(Form):
    """One category and its weight; a row left blank is ignored (no CSRF of its own)."""

    name = StringField("Category")
    weight = FloatField("Weight", validators=[Optional()])


class CourseForm(FlaskForm):
    code = StringField("Code")
    name = StringField("Name")
    credits = FloatField("Credits", validators=[Optional()])
    category_weights = FieldList(FormField(WeightRow))

    def offer_spare_rows(self) -> None:
        """Blank rows after the filled ones, so that categories can be added without a script."""
        filled = [row for row in self.category_weights if row.form.name.data]
        for _ in range(len(self.category_weights), len(filled) + SPARE_WEIGHT_ROWS):
            self.category_weights.append_entry()


class AssignmentForm(FlaskForm):
    title = StringField("Title")
    # A select of the course's categories when it has weights, free text otherwise.
    category = StringField("Category")
    max_points = FloatField("Out of (points)", validators=[Optional()])


class EnrollForm(FlaskForm):
    student_id = SelectField("Student", coerce=int)


class NewStudentForm(FlaskForm):
    name = StringField("Name")
    email = EmailField("Email")


class ConfirmForm(FlaskForm):
    """A delete's confirmation: nothing but the CSRF token."""


def grade_sheet(students: Iterable[tuple[int, str]], scores: Mapping[int, float]) -> FlaskForm:
    """A form with one score field per ``(student_id, name)``, labelled with the name and
    filled with the student's score from ``scores`` (blank while ungraded)."""

    class GradeSheet(FlaskForm):
        pass

    for student_id, name in students:
        field = FloatField(name, validators=[Optional()], default=scores.get(student_id))
        setattr(GradeSheet, score_field(student_id), field)
    return GradeSheet()


def score_field(student_id: int) -> str:
    """The name of a student's field in a ``grade_sheet``."""
    return f"score_{student_id}"
