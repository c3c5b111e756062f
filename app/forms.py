"""HTML forms (Flask-WTF adds and checks the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, FloatField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from .api.common import EMAIL

# PostgreSQL text cannot hold NUL: refuse it in the form rather than fail on commit.
NO_NUL = Regexp(r"^[^\x00]*$", message="Must not contain NUL characters")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class StudentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200), NO_NUL])
    # Same rule as the API (wtforms' Email() would pull in the email_validator package).
    email = EmailField(
        "Email",
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL, message="Invalid email"),
            NO_NUL,
        ],
    )


class GradeForm(FlaskForm):
    student_id = SelectField("Student", coerce=int)
    assignment_id = SelectField("Assignment", coerce=int)
    # InputRequired, not DataRequired: a score of 0 is valid.
    score = FloatField("Score", validators=[InputRequired(), NumberRange(min=0)])
