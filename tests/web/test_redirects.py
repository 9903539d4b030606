import pytest

from followup.web.redirects import local_path


@pytest.mark.parametrize("target", ["/", "/enkat", "/enkat/sida/now", "/enkat?x=1", "/tillganglighet#top"])
def test_a_path_on_this_site_is_kept(target):
    assert local_path(target) == target


def test_tabs_and_newlines_are_dropped_as_a_browser_drops_them():
    assert local_path("/enk\tat\n") == "/enkat"


@pytest.mark.parametrize(
    "target",
    [
        "",
        None,
        "enkat",
        "//evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "\\/evil.example/",
        " //evil.example/",
        "\x00//evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%2f/evil.example/",
        "/%5cevil.example/",
        "/%09/evil.example/",
        "/\x0bX",
        "/\x7fX",
        "/\u2028X",
        "/é",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_is_refused(target):
    assert local_path(target) is None
