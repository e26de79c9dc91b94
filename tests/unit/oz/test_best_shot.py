import base64

from idv.oz.best_shot import decode_image, extract_best_shot
from idv.oz.folders import Folder
from samples import TINY_JPEG, TINY_PNG, folder, quality_analysis


def test_best_shot_is_read_from_a_data_url_in_original_url():
    assert extract_best_shot(Folder.from_json(folder())) == TINY_JPEG


def test_bare_base64_in_original_url_is_accepted():
    body = folder()
    body["analyses"][0]["results_media"][0]["output_images"][0]["original_url"] = base64.b64encode(
        TINY_PNG
    ).decode()
    assert extract_best_shot(Folder.from_json(body)) == TINY_PNG


def test_another_string_field_holding_an_image_is_the_fallback():
    body = folder()
    entry = body["analyses"][0]["results_media"][0]["output_images"][0]
    entry["original_url"] = "https://oz.example/media/1.jpg"
    entry["image_b64"] = base64.b64encode(TINY_JPEG).decode()
    assert extract_best_shot(Folder.from_json(body)) == TINY_JPEG


def test_no_image_gives_none():
    assert (
        extract_best_shot(Folder.from_json(folder(analyses=[quality_analysis(image=None)]))) is None
    )


def test_base64_that_is_not_an_image_is_ignored():
    assert decode_image(base64.b64encode(b"not an image").decode()) is None
    assert decode_image("data:image/jpeg,plain") is None
    assert decode_image("!!!") is None
