"""Which inline form a model's gateway takes, learnt from its answers: a job tries each form at most once,
a form a submit went through with is kept, and a refusal in a known-good form is the image's own."""

from __future__ import annotations

import logging

from batchgen.engine.inline_forms import InlineForms
from batchgen.errors import RequestRejected

MODEL = "kling-1.6-image2video"  # `image` is "string (uri)": a data: URI first
PAYLOAD = {"image": {"path": "/a.png", "sha256": "0" * 64}, "prompt": "p"}


def _refusal(text="image must be an https:// image URL", status=400):
    return RequestRejected(f"HTTP {status}", status=status, detail=text)


def test_each_job_tries_each_form_once_however_other_jobs_interleave():
    forms = InlineForms()
    jobs: list[dict[str, set[str]]] = [{} for _ in range(4)]
    attempts = [0] * 4
    for _ in range(3):  # three rounds in which every job still pending sends, then hears its refusal
        for i, tried in enumerate(jobs):
            if tried.get("image") == {"base64", "data_uri"}:
                continue
            used = forms.forms_for(MODEL, PAYLOAD, tried)
            attempts[i] += 1
            again = forms.refused(MODEL, _refusal(), used, tried)
            assert again == (len(tried["image"]) == 1)
    assert attempts == [2, 2, 2, 2]


def test_a_form_that_went_through_is_kept_and_a_refusal_in_it_is_not_retried():
    forms = InlineForms()
    first: dict[str, set[str]] = {}
    assert forms.forms_for(MODEL, PAYLOAD, first) == {"image": "data_uri"}
    assert forms.refused(MODEL, _refusal(), {"image": "data_uri"}, first)
    assert forms.forms_for(MODEL, PAYLOAD, first) == {"image": "base64"}
    forms.succeeded(MODEL, {"image": "base64"})
    assert forms.forms_for(MODEL, PAYLOAD, {}) == {"image": "base64"}  # every later job starts in it
    assert not forms.refused(MODEL, _refusal("image is too small"), {"image": "base64"}, {})


def test_only_a_400_naming_an_inlined_field_is_taken_for_its_form():
    forms = InlineForms()
    used = {"image": "data_uri"}
    assert not forms.refused(MODEL, _refusal(status=422), used, {})
    assert not forms.refused(MODEL, _refusal("prompt is too long"), used, {})
    assert not forms.refused(MODEL, _refusal("image_url must be a URL"), used, {})  # another field's name
    assert forms.forms_for(MODEL, PAYLOAD, {}) == {"image": "data_uri"}
    assert forms.refused(MODEL, _refusal("Image is not a valid image"), used, {})  # as the API capitalises it


def test_a_400_naming_the_field_in_capitals_alone_is_taken_for_its_form():
    """ "Image is ..." names the field ``image`` as the API capitalises it: the job is sent again in the other
    form, not failed for a form the gateway may not take."""
    forms = InlineForms()
    tried: dict[str, set[str]] = {}
    assert forms.refused(MODEL, _refusal("Image: bad encoding"), {"image": "data_uri"}, tried)
    assert forms.forms_for(MODEL, PAYLOAD, tried) == {"image": "base64"}
    assert forms.refused(MODEL, _refusal("IMAGE MUST BE A URL"), {"image": "data_uri"}, {})


def test_the_log_says_each_change_of_form_once_and_says_which_form_went_through_after_one_it_named(caplog):
    forms = InlineForms()
    for _ in range(3):  # jobs one at a time, each refused in both forms: one change logged, not one per job
        tried: dict[str, set[str]] = {}
        while forms.refused(MODEL, _refusal(), forms.forms_for(MODEL, PAYLOAD, tried), tried):
            pass
    assert [r.getMessage() for r in caplog.records] == [
        f"{MODEL} refused the image in 'image' sent as a data: URI (HTTP 400 naming the field); "
        "sending it as bare base64 from now on"
    ]
    # The refusals were the images' own: a later job goes through in the form the log moved away from.
    tried = {}
    assert forms.refused(MODEL, _refusal(), forms.forms_for(MODEL, PAYLOAD, tried), tried)
    forms.succeeded(MODEL, forms.forms_for(MODEL, PAYLOAD, tried))
    assert (
        caplog.records[-1].getMessage()
        == f"{MODEL} took the image in 'image' as a data: URI; sending it so from now on"
    )
    assert forms.forms_for(MODEL, PAYLOAD, {}) == {"image": "data_uri"}


def test_jobs_refused_in_turn_for_one_cause_change_the_form_and_say_so_once_naming_the_job(caplog):
    # Jobs sent one after another, each refused in the form the one before it had moved to (a gateway that
    # takes neither form), each flipped the model's form back and logged "from now on" again: one warning per
    # job for one cause.
    forms = InlineForms()
    jobs: list[dict[str, set[str]]] = [{} for _ in range(3)]
    for _ in range(2):  # each job sends, then hears its refusal, before the next job's first one is judged
        for i, tried in enumerate(jobs):
            if tried.get("image") != {"base64", "data_uri"}:
                forms.refused(MODEL, _refusal(), forms.forms_for(MODEL, PAYLOAD, tried), tried, f"job-{i}")
    assert all(tried["image"] == {"base64", "data_uri"} for tried in jobs)  # each still tried both
    assert [r.getMessage() for r in caplog.records] == [
        f"{MODEL} refused the image in 'image' sent as a data: URI (HTTP 400 naming the field, job job-0); "
        "sending it as bare base64 from now on"
    ]


def test_a_model_the_catalogue_does_not_describe_sends_an_inlined_image_as_bare_base64_first():
    forms = InlineForms()
    assert forms.forms_for("no-such-model", PAYLOAD, {}) == {"image": "base64"}
    assert forms.forms_for("no-such-model", PAYLOAD, {"image": {"base64"}}) == {"image": "data_uri"}


def test_a_400_naming_the_second_inlined_field_sends_the_job_again_in_that_fields_other_form():
    """Two images inlined, the 400 names the second one (``tail_image``, not ``image``): the job is sent again with
    the second in its other form, the first unchanged."""
    forms = InlineForms()
    tried: dict[str, set[str]] = {}
    used = {"image": "data_uri", "tail_image": "data_uri"}
    assert forms.refused(MODEL, _refusal("tail_image must be an https:// URL"), used, tried)
    assert tried == {"tail_image": {"data_uri"}}


def test_a_400_naming_the_field_only_in_its_message_is_taken_for_its_form():
    """The refusal's body gave no detail, its message names the field: it is the form all the same."""
    forms = InlineForms()
    tried: dict[str, set[str]] = {}
    exc = RequestRejected("HTTP 400: image must be an https:// image URL", status=400)
    assert forms.refused(MODEL, exc, {"image": "data_uri"}, tried)
    assert forms.forms_for(MODEL, PAYLOAD, tried) == {"image": "base64"}


def test_the_first_submit_through_in_the_form_first_tried_says_nothing_of_a_change(caplog):
    """No refusal came before: the form the spec names went through, and nothing changed that the log should tell."""
    forms = InlineForms()
    used = forms.forms_for(MODEL, PAYLOAD, {})
    with caplog.at_level(logging.INFO, logger="batchgen"):
        forms.succeeded(MODEL, used)
    assert "from now on" not in caplog.text
    assert forms.forms_for(MODEL, PAYLOAD, {}) == used


def test_a_job_through_in_the_other_form_after_one_was_confirmed_leaves_the_log_telling_the_form_sent(caplog):
    """Jobs Y and X go together as data: URIs; Y is refused naming the field (the log says bare base64 from now on),
    X goes through (the log says a data: URI from now on), then Y goes through as bare base64.  Later jobs must go
    in the form the log last named."""
    forms = InlineForms()
    y_tried: dict[str, set[str]] = {}
    y_used = forms.forms_for(MODEL, PAYLOAD, y_tried)
    x_used = forms.forms_for(MODEL, PAYLOAD, {})
    with caplog.at_level(logging.INFO, logger="batchgen"):
        assert forms.refused(MODEL, _refusal(), y_used, y_tried, "Y")
        forms.succeeded(MODEL, x_used)
        forms.succeeded(MODEL, forms.forms_for(MODEL, PAYLOAD, y_tried))
    said = [r.getMessage() for r in caplog.records if "from now on" in r.getMessage()]
    assert said and said[-1].endswith("as a data: URI; sending it so from now on")
    assert forms.forms_for(MODEL, PAYLOAD, {}) == {"image": "data_uri"}


def test_a_submit_through_confirms_the_form_of_every_inlined_field_not_only_the_first():
    """A job with two inlined images is refused naming ``tail_image``, and goes through with it as bare base64:
    both fields' forms are confirmed, so a later job refused naming ``tail_image`` in bare base64 is the image's
    own refusal, not sent again."""
    forms = InlineForms()
    payload = {**PAYLOAD, "tail_image": {"path": "/b.png", "sha256": "1" * 64}}
    tried: dict[str, set[str]] = {}
    used = forms.forms_for(MODEL, payload, tried)
    assert set(used) == {"image", "tail_image"}
    assert forms.refused(MODEL, _refusal("tail_image must be an https:// URL"), used, tried, "J1")
    again = forms.forms_for(MODEL, payload, tried)
    assert again["tail_image"] == _other_form(used["tail_image"]) and again["image"] == used["image"]
    forms.succeeded(MODEL, again)
    assert forms.forms_for(MODEL, payload, {}) == again
    assert not forms.refused(MODEL, _refusal("tail_image is too small"), again, {}, "J2")


def _other_form(form: str) -> str:
    return "base64" if form == "data_uri" else "data_uri"
