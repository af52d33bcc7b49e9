"""The chat panel's look: one stylesheet, scoped to ``.codex-chat``, in JupyterLab's theme variables.

ipywidgets has no per-widget stylesheet, but an ``HTML`` widget's value is set as
``innerHTML``, and a ``<style>`` element inserted that way applies. Every panel
carries one such widget (a few kilobytes, sent once), so a panel restored from
saved widget state or shown in another notebook still looks right. Colours come
from ``--jp-*`` variables only, so the panel follows the light and dark themes.
"""

from __future__ import annotations

from ipywidgets import HTML

ROOT_CLASS = "codex-chat"

CSS = """
.codex-chat {
  box-sizing: border-box;
  width: 100%;
  max-width: 60rem;
  gap: 6px;
  padding: 8px;
  border: var(--jp-border-width) solid var(--jp-border-color2);
  border-radius: var(--jp-border-radius);
  background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1);
  font-family: var(--jp-ui-font-family);
}
.codex-chat .widget-html, .codex-chat .widget-html-content, .codex-chat .widget-label {
  width: 100%;
  height: auto;
  line-height: normal;
  margin: 0;
}
.codex-chat-toolbar, .codex-chat-composer, .codex-chat-confirm, .codex-chat-rename {
  gap: 4px;
  align-items: center;
  margin: 0;
}
.codex-chat-toolbar { flex-wrap: wrap; }
.codex-chat .jupyter-button { flex-shrink: 0; width: auto; min-width: 5.5em; padding: 0 12px; margin: 0; }
.codex-chat-toolbar .widget-dropdown { flex: 1 1 12em; width: auto; min-width: 10em; margin: 0; }
.codex-chat-toolbar .widget-dropdown select { width: 100%; }
.codex-chat-count {
  flex: 0 0 auto;
  margin: 0 4px;
  color: var(--jp-ui-font-color2);
  font-size: var(--jp-ui-font-size1);
}
.codex-chat-toolbar .widget-label.codex-chat-count { width: auto; }
.codex-chat-toolbar .widget-text.codex-chat-search { flex: 0 1 12em; width: auto; min-width: 8em; margin: 0; }
.codex-chat-rename .widget-label { width: auto; flex: 0 0 auto; }
.codex-chat-rename .widget-text { flex: 1 1 auto; width: auto; margin: 0; }
.codex-chat-search-results {
  gap: 4px;
  margin: 0;
  padding: 4px 8px;
  border: var(--jp-border-width) solid var(--jp-border-color2);
  border-radius: var(--jp-border-radius);
}
.codex-chat-search-results > .widget-hbox { align-items: center; gap: 4px; }
.codex-chat-hits-heading { font-size: var(--jp-ui-font-size1); color: var(--jp-ui-font-color2); }
.codex-chat-search-results .widget-box.codex-chat-hits { max-height: 14rem; overflow-y: auto; gap: 2px; margin: 0; }
.codex-chat-hits > .widget-hbox {
  flex-shrink: 0;
  align-items: center;
  gap: 8px;
  padding: 4px 0;
  border-top: var(--jp-border-width) solid var(--jp-border-color3);
}
.codex-chat-hit { overflow-wrap: anywhere; }
.codex-chat-hit .codex-chat-meta { color: var(--jp-ui-font-color1); }
.codex-chat-snippet { font-size: var(--jp-content-font-size1); color: var(--jp-ui-font-color1); }
.codex-chat-snippet mark { background: var(--jp-warn-color3); color: inherit; padding: 0 1px; }
.codex-chat-scroller {
  border: var(--jp-border-width) solid var(--jp-border-color2);
  border-radius: var(--jp-border-radius);
  background: var(--jp-layout-color0);
  margin: 0;
}
/* Only the scroller scrolls. ipywidgets boxes are flex items that may shrink (flex: 0 1 auto) and scroll
   (overflow: auto), so inside the height-limited scroller the transcript and its pages would be squeezed into
   tiny scroll areas of their own, and the "Show earlier" button (overflow: hidden) to a sliver. */
.codex-chat-scroller .widget-box { flex-shrink: 0; overflow: visible; }
.codex-chat-scroller .jupyter-button { flex-shrink: 0; }
.codex-chat-transcript { margin: 0; padding: 4px 0; }
.codex-chat-page { margin: 0; }
.codex-chat-earlier, .codex-chat-later { align-self: center; margin: 4px auto; }
.codex-chat-empty {
  padding: 24px 12px;
  text-align: center;
  color: var(--jp-ui-font-color2);
  font-size: var(--jp-ui-font-size1);
}
.codex-chat-msg {
  --codex-chat-role-color: var(--jp-border-color1);
  margin: 4px 8px;
  padding: 6px 10px;
  border-left: 3px solid var(--codex-chat-role-color);
  border-radius: var(--jp-border-radius);
}
.codex-chat-msg.codex-chat-user {
  --codex-chat-role-color: var(--jp-brand-color1);
  background: var(--jp-layout-color2);
}
.codex-chat-msg.codex-chat-assistant { --codex-chat-role-color: var(--jp-success-color1); }
.codex-chat-msg.codex-chat-system {
  --codex-chat-role-color: var(--jp-warn-color1);
  border-left-style: dashed;
  color: var(--jp-ui-font-color2);
}
.codex-chat-meta {
  display: flex;
  gap: 8px;
  align-items: baseline;
  font-size: var(--jp-ui-font-size0);
  color: var(--jp-ui-font-color2);
}
.codex-chat-role {
  font-weight: 600;
  text-transform: capitalize;
  color: var(--codex-chat-role-color);
}
.codex-chat-body.jp-RenderedHTMLCommon {
  padding: 2px 0 0 0;
  font-size: var(--jp-content-font-size1);
  color: inherit;
  overflow-wrap: anywhere;
}
.codex-chat-body.jp-RenderedHTMLCommon > :first-child { margin-top: 0; }
.codex-chat-body.jp-RenderedHTMLCommon > :last-child { margin-bottom: 0; }
.codex-chat-body.jp-RenderedHTMLCommon pre {
  margin: 6px 0;
  overflow-x: auto;
  padding: 6px 8px;
  border: var(--jp-border-width) solid var(--jp-cell-editor-border-color);
  border-radius: var(--jp-border-radius);
  background: var(--jp-cell-editor-background);
}
.codex-chat-body.jp-RenderedHTMLCommon pre code { background: none; padding: 0; }
.codex-chat-code { position: relative; }
.codex-chat-code > button.codex-chat-copy {
  position: absolute;
  top: 4px;
  right: 4px;
  padding: 1px 8px;
  border: var(--jp-border-width) solid var(--jp-border-color1);
  border-radius: var(--jp-border-radius);
  background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1);
  font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size0);
  cursor: pointer;
  user-select: none;
  opacity: 0.75;
}
.codex-chat-code > button.codex-chat-copy:hover, .codex-chat-code > button.codex-chat-copy:focus { opacity: 1; }
.codex-chat-status { margin-top: 4px; font-size: var(--jp-ui-font-size1); color: var(--jp-ui-font-color2); }
.codex-chat-is-streaming .codex-chat-status::before {
  content: "";
  display: inline-block;
  width: 0.6em;
  height: 0.6em;
  margin-right: 6px;
  border-radius: 50%;
  background: var(--jp-brand-color1);
  animation: codex-chat-pulse 1s ease-in-out infinite alternate;
}
@keyframes codex-chat-pulse { from { opacity: 0.25; } to { opacity: 1; } }
.codex-chat-is-cancelled .codex-chat-status, .codex-chat-is-incomplete .codex-chat-status {
  color: var(--jp-warn-color1);
}
.codex-chat-is-error .codex-chat-status { color: var(--jp-error-color1); }
.codex-chat-found .codex-chat-msg {
  outline: 2px solid var(--jp-warn-color1);
  outline-offset: -1px;
}
.codex-chat-error .widget-html-content > div {
  padding: 6px 10px;
  border-left: 3px solid var(--jp-error-color1);
  border-radius: var(--jp-border-radius);
  background: var(--jp-layout-color2);
  color: var(--jp-error-color1);
  font-size: var(--jp-ui-font-size1);
}
.codex-chat-confirm .widget-label { width: auto; flex: 1 1 auto; color: var(--jp-ui-font-color1); }
.codex-chat-composer { align-items: flex-end; }
.codex-chat-composer .widget-textarea { flex: 1 1 auto; width: auto; margin: 0; }
.codex-chat-composer textarea {
  min-height: 3.5em;
  resize: vertical;
  font-family: var(--jp-content-font-family);
  font-size: var(--jp-content-font-size1);
}
.codex-chat-composer .widget-dropdown { width: 8em; margin: 0; }
"""


def stylesheet() -> HTML:
    """The widget that carries :data:`CSS`; it renders nothing visible."""
    stylesheet = HTML(f"<style>{CSS}</style>")
    stylesheet.layout.display = "none"
    return stylesheet
