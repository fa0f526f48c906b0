"""The staff home page, /staff/: who is signed in, signing out, and the way to the other staff pages."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from . import accounts, context, forms, signin

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
def home():
    left = (accounts.recovery_codes_left(context.database(), current_user.token)
            if signin.has_signed_in() else None)
    return render_template("web/home.html", form=forms.Confirm(), recovery_codes=left)


@bp.post("/sign-out")
def sign_out():
    if signin.has_signed_in():  # a local preview has nobody to sign out
        signin.sign_out()
        flash("You are signed out, on every computer.")
    return redirect(url_for("signin.sign_in"))
