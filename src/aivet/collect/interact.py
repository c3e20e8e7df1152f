"""Act like a person on the page: answer the consent banner, find fields, type, scroll, submit.

Fields are found by a read-only scan of each frame (no DOM changes a page could
notice), then driven through Playwright's real input events with human key
timing, so that pages which listen to keys see what they would see from a user.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from playwright.async_api import Frame, Locator, Page

from aivet.collect.canaries import canary_value
from aivet.web_session import Canary, FieldKind, InteractionEvent

InteractMode = Literal["auto", "login", "chat", "none"]
ConsentMode = Literal["accept", "reject", "ignore"]

FIELD_SELECTOR = "input, textarea, [contenteditable=''], [contenteditable='true'], [role='textbox']"
MAX_FIELDS = 8

# Runs in the page: classifies every visible, editable field without touching the DOM.
_SCAN_FIELDS_JS = r"""
(selector) => {
  const skip = new Set(['hidden','checkbox','radio','submit','button','file','image','range',
                        'color','date','datetime-local','month','week','time','reset']);
  const out = [];
  document.querySelectorAll(selector).forEach((el, index) => {
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || st.visibility === 'hidden' || st.display === 'none') return;
    if (el.disabled || el.readOnly || el.getAttribute('aria-disabled') === 'true') return;
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'input' && skip.has(type)) return;
    const hint = [el.getAttribute('name'), el.id, el.getAttribute('placeholder'),
                  el.getAttribute('autocomplete'), el.getAttribute('aria-label'),
                  el.getAttribute('inputmode')].filter(Boolean).join(' ').toLowerCase();
    out.push({index, tag, type, hint: hint.slice(0, 200),
              editable: tag !== 'input' && tag !== 'textarea',
              inForm: !!(el.form || el.closest('form'))});
  });
  return out;
}
"""

_RE_PASSWORD = re.compile(r"passw|pwd|密码")
_RE_EMAIL = re.compile(r"e-?mail|邮箱")
_RE_PHONE = re.compile(r"phone|mobile|\btel\b|cell|msisdn|手机|电话")
_RE_CODE = re.compile(r"\bcode\b|otp|captcha|verif|验证码|one-time")
_RE_USER = re.compile(r"user|login|account|账号|用户名")
_RE_PROMPT = re.compile(r"message|ask|prompt|chat|question|send|输入|问|talk")


def classify_field(tag: str, input_type: str, hint: str, editable: bool) -> FieldKind | None:
    """The kind of personal data a person would type here; None for fields we leave alone."""
    if input_type == "password" or _RE_PASSWORD.search(hint):
        return "password"
    if input_type == "email" or _RE_EMAIL.search(hint):
        return "email"
    if input_type == "tel" or _RE_PHONE.search(hint):
        return "phone"
    if _RE_CODE.search(hint):
        return None  # one-time codes carry no personal data
    if tag == "textarea" or editable:
        return "prompt"
    if _RE_USER.search(hint):
        return "username"
    if _RE_PROMPT.search(hint):
        return "prompt"
    if input_type in ("", "text", "search"):
        return "text"
    return None


MODE_KINDS: dict[str, frozenset[str]] = {
    "auto": frozenset({"email", "phone", "password", "username", "prompt", "text"}),
    "login": frozenset({"email", "phone", "password", "username"}),
    "chat": frozenset({"prompt", "text"}),
    "none": frozenset(),
}


@dataclass
class FoundField:
    frame: Frame
    locator: Locator
    kind: FieldKind
    selector: str
    in_form: bool


async def find_fields(page: Page, mode: InteractMode) -> list[FoundField]:
    wanted = MODE_KINDS[mode]
    found: list[FoundField] = []
    seen_kinds: set[str] = set()
    for frame in page.frames:
        if frame.is_detached():
            continue
        try:
            scanned = await asyncio.wait_for(frame.evaluate(_SCAN_FIELDS_JS, FIELD_SELECTOR), 5)
        except Exception:  # detached, cross-origin navigation mid-scan, or hung frame
            continue
        for item in scanned:
            kind = classify_field(item["tag"], item["type"], item["hint"], item["editable"])
            if kind is None or kind not in wanted:
                continue
            # One field of each kind per frame is enough to see where that kind of data goes;
            # generic text fields are only typed into when nothing better was found.
            key = f"{frame.url}|{kind}"
            if key in seen_kinds:
                continue
            seen_kinds.add(key)
            selector = f"{FIELD_SELECTOR} >> nth={item['index']}"
            found.append(
                FoundField(frame, frame.locator(selector), kind, selector, bool(item["inForm"]))
            )
    if any(f.kind != "text" for f in found):
        found = [f for f in found if f.kind != "text"]
    return found[:MAX_FIELDS]


async def type_like_a_person(locator: Locator, text: str, rng: random.Random) -> None:
    await locator.click(timeout=3000)
    keyboard = locator.page.keyboard
    for char in text:
        await keyboard.type(char)
        # 12-40 ms between keys, jittered: a fast typist. Listeners see real keydown/input
        # events with uneven gaps; a slower typist would only make every audit longer.
        await asyncio.sleep(rng.uniform(0.012, 0.040))


_ACCEPT = re.compile(
    r"^\s*(accept( all)?( cookies)?|allow( all)?( cookies)?|i agree|agree( and continue)?|"
    r"got it|ok(ay)?|同意|接受|全部接受|akzeptieren|alle akzeptieren|tout accepter|accepter)\s*$",
    re.IGNORECASE,
)
_REJECT = re.compile(
    r"^\s*(reject( all)?( cookies)?|decline( all)?|refuse( all)?|deny|only (necessary|essential)"
    r"( cookies)?|necessary only|拒绝|全部拒绝|ablehnen|alle ablehnen|tout refuser|refuser)\s*$",
    re.IGNORECASE,
)


async def answer_consent(page: Page, mode: ConsentMode) -> str | None:
    """Click the banner's accept or reject button; returns the button text, or None."""
    if mode == "ignore":
        return None
    pattern = _ACCEPT if mode == "accept" else _REJECT
    for frame in page.frames:
        if frame.is_detached():
            continue
        buttons = frame.locator("button, [role=button], a, input[type=button], input[type=submit]")
        try:
            candidates = buttons.filter(has_text=pattern)
            if await candidates.count() == 0:
                continue
            button = candidates.first
            text = (await button.inner_text(timeout=2000)).strip()
            await button.click(timeout=3000)
            return text[:80]
        except Exception:  # the banner vanished or covered itself: nothing to click
            continue
    return None


_SCROLL_JS = """async () => {
    const step = Math.max(200, window.innerHeight * 0.8);
    const last = Math.min(document.documentElement.scrollHeight, 20000) - window.innerHeight;
    for (let y = step; y - step < last; y += step) {
        window.scrollTo(0, Math.min(y, last));
        await new Promise(r => setTimeout(r, 30));
    }
    if (last > 0) window.scrollTo(0, 0);
}"""

# aivet's own snippets run in the page's main world, so the script recorder sees them
# too; it drops exactly these texts so that they are never reported as the page's code.
INTERNAL_SCRIPTS = frozenset({_SCAN_FIELDS_JS.strip(), _SCROLL_JS.strip()})


async def scroll_through(page: Page) -> None:
    await page.evaluate(_SCROLL_JS)


async def submit_field(field: FoundField) -> str:
    """Submit the form of a field the way a user would; returns how it was done."""
    if field.in_form:
        form = field.locator.locator("xpath=ancestor::form[1]")
        button = form.locator("button[type=submit], input[type=submit], button:not([type])")
        if await button.count() > 0:
            await button.first.click(timeout=3000)
            return "clicked the form's submit button"
    await field.locator.press("Enter", timeout=3000)
    return "pressed Enter in the field"


async def interact(
    page: Page,
    *,
    mode: InteractMode,
    consent: ConsentMode,
    submit: bool,
    token: str,
    clock: Callable[[], float],
    rng: random.Random,
) -> tuple[list[Canary], list[InteractionEvent], float | None]:
    """Consent, then type a canary into each field found, scroll, and submit if asked.

    Returns the canaries, the log of actions, and the time of the submit (None if none).
    """
    events: list[InteractionEvent] = []
    canaries: list[Canary] = []
    submitted_at: float | None = None

    clicked = await answer_consent(page, consent)
    if consent != "ignore":
        detail = f"{consent}: clicked '{clicked}'" if clicked else f"{consent}: no banner button"
        events.append(InteractionEvent(clock(), "consent", detail))

    if mode == "none":
        return canaries, events, None

    fields = await find_fields(page, mode)
    if not fields:
        events.append(InteractionEvent(clock(), "no-fields", f"no {mode} fields found"))
    for found in fields:
        value = canary_value(found.kind, token)
        started = clock()
        try:
            await type_like_a_person(found.locator, value, rng)
        except Exception as exc:
            events.append(
                InteractionEvent(clock(), "error", f"typing into {found.kind}: {_first(exc)}")
            )
            continue
        canaries.append(Canary(found.kind, value, found.selector, found.frame.url, started))
        events.append(InteractionEvent(started, "typed", f"{found.kind} into {found.selector}"))

    try:
        await scroll_through(page)
        events.append(InteractionEvent(clock(), "scrolled", "to the end and back"))
    except Exception as exc:
        events.append(InteractionEvent(clock(), "error", f"scrolling: {_first(exc)}"))

    if submit and fields:
        # Submit the form that holds a credential or prompt (the last typed field's form).
        target = next((f for f in reversed(fields) if f.kind != "text"), fields[-1])
        submitted_at = clock()
        try:
            how = await submit_field(target)
            events.append(InteractionEvent(submitted_at, "submitted", how))
        except Exception as exc:
            events.append(InteractionEvent(clock(), "error", f"submitting: {_first(exc)}"))
    return canaries, events, submitted_at


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
