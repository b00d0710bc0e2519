"""The [layout] table of natstui's config file: read, and written without touching the rest."""

import pytest

from natstui.config import ConfigError, config_path, load_layout, save_layout


def test_config_file_honours_xdg(tmp_path):
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "natstui" / "config.toml"
    assert config_path({"HOME": str(tmp_path)}) == tmp_path / ".config" / "natstui" / "config.toml"


def test_save_creates_the_file(tmp_path):
    path = tmp_path / "natstui" / "config.toml"
    save_layout({"tree_width": 40}, path)
    assert path.read_text() == "[layout]\ntree_width = 40\n"
    assert load_layout(path) == {"tree_width": 40}


def test_save_updates_the_table_in_place_and_keeps_everything_else(tmp_path):
    path = tmp_path / "config.toml"
    original = (
        "# natstui\n"
        "[layout]  # pane widths\n"
        "tree_width = 30   # mine\n"
        "\n"
        "[[decoders]]\n"
        'subject = "a.>"\n'
        'decoder = "msgpack"'  # no newline at the end
    )
    path.write_text(original)
    save_layout({"tree_width": 44, "inspector_width": 60}, path)
    assert path.read_text() == (
        "# natstui\n"
        "[layout]  # pane widths\n"
        "tree_width = 44\n"
        "inspector_width = 60\n"
        "\n"
        "[[decoders]]\n"
        'subject = "a.>"\n'
        'decoder = "msgpack"'
    )
    assert load_layout(path) == {"tree_width": 44, "inspector_width": 60}


def test_save_appends_a_table_after_other_settings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[decoders]]\nsubject = "a.>"\ndecoder = "cbor"')
    save_layout({"inspector_width": 50}, path)
    assert path.read_text() == '[[decoders]]\nsubject = "a.>"\ndecoder = "cbor"\n\n[layout]\ninspector_width = 50\n'


@pytest.mark.parametrize(
    "text",
    [
        "[layout\ntree_width = 3\n",  # not TOML
        "layout.tree_width = 30\n",  # layout set another way: not edited
        "layout = { tree_width = 30 }\n",
    ],
)
def test_save_leaves_a_file_it_cannot_edit_alone(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        save_layout({"tree_width": 40}, path)
    assert path.read_text() == text


def test_load_ignores_what_is_not_a_width(tmp_path):
    path = tmp_path / "config.toml"
    assert load_layout(path) == {}  # no file
    path.write_text('[layout]\ntree_width = "wide"\ninspector_width = 0\ncolour = 3\n')
    assert load_layout(path) == {}
    path.write_text("[layout\n")
    assert load_layout(path) == {}
    path.write_text("[layout]\ntree_width = true\ninspector_width = 70\n")
    assert load_layout(path) == {"inspector_width": 70}
