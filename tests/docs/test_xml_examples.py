"""Every ```xml block in docs/**/*.md loads and validates as the docs say it does.

The convention (stated on docs/template-reference/format.md):
- a block whose root is `<HelpdeskTemplate>` is a whole template: no error, no warning;
- any other block is a fragment of top-level sections, placed in a template that adds a
  `<General>` and a Bearer `<Authentication>` (fields `base_url`, a `url` field, and
  `api_token`) when the fragment has none: no error, no warning;
- a block whose first line is `<!-- expect: problems -->` must produce problems, and when the
  next block is a `text` block starting `$ ringdesk template validate FILE`, the validator's
  output for the block (as FILE) must be exactly the rest of that block;
- a block whose root is `<Information>` is a template in the PBX's own format: it must
  convert (`ringdesk template import`) to a template with no validation error.
"""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree

from ringdesk.errors import TemplateError
from ringdesk.templates import load_xml, validate
from ringdesk.templates.importing import import_xml
from ringdesk.templates.pbx_read import is_pbx
from ringdesk.templates.report import check_file
from tests.docs.pages import CodeBlock, code_blocks, pages

EXPECT_PROBLEMS = "<!-- expect: problems -->"
_VALIDATE = re.compile(r"^\$ ringdesk template validate (?P<file>\S+)$")

_GENERAL = "<General><Name>Example</Name><MaxConcurrentRequests>4</MaxConcurrentRequests></General>"
_AUTHENTICATION = """<Authentication method="bearer">
  <Fields>
    <Field type="url" name="base_url" title="Base URL"/>
    <Field type="password" name="api_token" title="API token"/>
  </Fields>
  <Bearer><Token>{{.api_token}}</Token></Bearer>
</Authentication>"""


def xml_blocks() -> list[tuple[CodeBlock, CodeBlock | None]]:
    """Each xml block with the block that follows it on its page (or None)."""
    found = []
    for page in pages():
        blocks = code_blocks(page)
        for i, block in enumerate(blocks):
            if block.lang == "xml":
                found.append((block, blocks[i + 1] if i + 1 < len(blocks) else None))
    return found


def _top_level_tags(fragment: str) -> list[str]:
    root = ElementTree.fromstring(f"<Fragment>{fragment}</Fragment>")
    return [child.tag for child in root]


def as_template(text: str) -> str:
    """The block as a whole template document (fragments wrapped as the convention says)."""
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", text.strip())
    body = body.removeprefix(EXPECT_PROBLEMS).strip()
    tags = _top_level_tags(body)
    if tags == ["HelpdeskTemplate"]:
        return text
    parts = [] if "General" in tags else [_GENERAL]
    if "Authentication" not in tags:
        parts.append(_AUTHENTICATION)
    return (
        '<HelpdeskTemplate formatVersion="1">\n'
        + "\n".join([*parts, body])
        + "\n</HelpdeskTemplate>"
    )


BLOCKS = xml_blocks()


def test_the_docs_have_xml_examples():
    """The extraction finds blocks, fragments and broken examples (it is not vacuous)."""
    texts = [block.text for block, _ in BLOCKS]
    assert len(texts) >= 20
    assert any(t.lstrip().startswith(EXPECT_PROBLEMS) for t in texts)
    assert any("<HelpdeskTemplate" not in t for t in texts)


@pytest.mark.parametrize(("block", "following"), BLOCKS, ids=[block.where for block, _ in BLOCKS])
def test_xml_example(block: CodeBlock, following: CodeBlock | None):
    if is_pbx(block.text):
        imported = import_xml(block.text)
        assert imported.template is not None, f"{block.where}: {imported.problems}"
        errors = [str(p) for p in validate(imported.template) if p.severity == "error"]
        assert errors == [], f"{block.where}: the converted template has errors"
        return
    expects_problems = block.text.lstrip().startswith(EXPECT_PROBLEMS)
    document = block.text if expects_problems else as_template(block.text)
    if expects_problems:
        shown = following.text.splitlines() if following and following.lang == "text" else []
        command = _VALIDATE.match(shown[0]) if shown else None
        name = command["file"] if command else "template.xml"
        errors, lines = check_file(name, document.encode())
        output = [*lines, f"{name}: {'invalid' if errors else 'valid'}"]
        assert lines, f"{block.where}: expected problems, the validator found none"
        if command:
            assert output == shown[1:], f"{block.where}: the shown validator output differs"
        return
    try:
        problems = validate(load_xml(document))
    except TemplateError as exc:
        pytest.fail(f"{block.where}: does not load: {exc}")
    assert [str(p) for p in problems] == [], f"{block.where}: validation problems"


def test_wrapping_keeps_a_fragments_own_sections():
    """A fragment with its own <General> and <Authentication> is not given a second one."""
    fragment = (
        "<General><Name>Own</Name><MaxConcurrentRequests>1</MaxConcurrentRequests></General>\n"
        '<Authentication method="none"/>'
    )
    template = load_xml(as_template(fragment))
    assert template.general.name == "Own"
    assert template.authentication.method == "none"
