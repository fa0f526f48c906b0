"""The sign-in forms (Flask-WTF: each carries a CSRF token, checked on every POST)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from ..store.accounts import NAME_LENGTH
from .passwords import MAX_LENGTH


class SignIn(FlaskForm):
    name = StringField("Account name", validators=[InputRequired("Type your account name."),
                                                   Length(max=NAME_LENGTH * 4)],
                       render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("Password", validators=[InputRequired("Type your password."),
                                                     Length(max=MAX_LENGTH * 4)],
                             render_kw={"autocomplete": "current-password"})


class Code(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Type the code."), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none",
                                  "spellcheck": "false"})


class NewPassword(FlaskForm):
    password = PasswordField("New password", validators=[InputRequired("Type a password.")],
                             render_kw={"autocomplete": "new-password"})
    again = PasswordField("The same password again", validators=[
        InputRequired("Type the password again."), EqualTo("password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})


class Confirm(FlaskForm):
    """A button and its CSRF token (sign out)."""
