import base64

import pytest

from idv.oz.best_shot import extract_best_shot, image_base64
from idv.oz.folders import Folder
from samples import TINY_JPEG, TINY_PNG, folder, quality_analysis


def test_best_shot_is_read_from_a_data_url_in_original_url():
    assert extract_best_shot(Folder.from_json(folder())) == base64.b64encode(TINY_JPEG).decode()


def test_bare_base64_in_original_url_is_accepted():
    body = folder()
    body["analyses"][0]["results_media"][0]["output_images"][0]["original_url"] = base64.b64encode(
        TINY_PNG
    ).decode()
    assert extract_best_shot(Folder.from_json(body)) == base64.b64encode(TINY_PNG).decode()


def test_another_string_field_holding_an_image_is_the_fallback():
    body = folder()
    entry = body["analyses"][0]["results_media"][0]["output_images"][0]
    entry["original_url"] = "https://oz.example/media/1.jpg"
    entry["image_b64"] = base64.b64encode(TINY_JPEG).decode()
    assert extract_best_shot(Folder.from_json(body)) == base64.b64encode(TINY_JPEG).decode()


def test_no_image_gives_none():
    assert (
        extract_best_shot(Folder.from_json(folder(analyses=[quality_analysis(image=None)]))) is None
    )


def test_base64_that_is_not_an_image_is_ignored():
    assert image_base64(base64.b64encode(b"not an image").decode()) is None
    assert image_base64("") is None
    assert image_base64("data:image/jpeg,plain") is None
    assert image_base64("!!!") is None


def test_the_text_is_kept_without_its_data_url_prefix_and_surrounding_space():
    text = base64.b64encode(TINY_JPEG).decode()
    assert image_base64(f"  data:image/jpeg;base64,{text}\n") == text


def _strictly_decodes(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a str that is not ASCII
        return False
    return True


GOOD = base64.b64encode(TINY_JPEG + b"tail").decode()


@pytest.mark.parametrize(
    "text",
    [
        GOOD[:-1],  # not whole groups of four
        GOOD[:-4] + "A===",  # three padding characters
        GOOD[:20] + "=" + GOOD[21:],  # padding inside
        GOOD[:20] + "\n" + GOOD[21:],  # a line break inside
        GOOD[:20] + "-" + GOOD[21:],  # the URL-safe alphabet
        GOOD[:20] + "\u00e9" + GOOD[21:],  # not ASCII
    ],
)
def test_text_a_strict_base64_decoder_refuses_is_refused(text):
    # Given text that looks like an image's base64 but that a strict decoder refuses
    assert not _strictly_decodes(text)
    # Then it is no best shot: what the store keeps always decodes
    assert image_base64(text) is None


@pytest.mark.parametrize("image", [TINY_JPEG, TINY_PNG, TINY_JPEG + b"x", TINY_JPEG + b"xy"])
def test_every_padding_of_an_image_is_accepted_as_it_is(image):
    text = base64.b64encode(image).decode()
    assert image_base64(text) == text
    assert base64.b64decode(image_base64(text) or "", validate=True) == image
