// The chat panel's browser side: what a kernel cannot do through ipywidgets alone.
//
// - Ctrl+Enter (or Cmd+Enter) in the message box asks; Enter in the title field saves a rename. The text goes
//   with the request, so it never depends on the box having synced its value to the kernel first.
// - A Copy button on each code block of a message, copying to the browser's clipboard.
// - The message opened from a search hit is scrolled into view.
//
// It reads the panel's DOM and adds only elements it makes itself: no message text is ever parsed as HTML here.

const PANEL = ".codex-chat";
const CODE = ".codex-chat-body pre";
const FOUND = "codex-chat-found";
const COPIED_FOR_MS = 1500;

function keyHandler(model) {
  return (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const target = event.target;
    let request = null;
    if ((event.ctrlKey || event.metaKey) && target.matches(".codex-chat-composer textarea")) {
      request = { do: "ask", text: target.value };
    } else if (!event.shiftKey && target.matches(".codex-chat-rename input")) {
      request = { do: "rename", text: target.value };
    }
    if (request === null) return;
    event.preventDefault(); // no new line, and not JupyterLab's "run cell"
    event.stopPropagation();
    model.send(request);
  };
}

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Pages served over plain http from another host have no clipboard API: copy a selection instead.
  const scratch = document.createElement("textarea");
  scratch.value = text;
  scratch.setAttribute("readonly", "");
  scratch.style.position = "fixed";
  scratch.style.opacity = "0";
  document.body.append(scratch);
  scratch.select();
  const copied = document.execCommand("copy");
  scratch.remove();
  if (!copied) throw new Error("the browser refused to copy");
}

function copyButton(pre) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "codex-chat-copy";
  button.textContent = "Copy";
  button.title = "Copy this code";
  button.addEventListener("click", async () => {
    const code = pre.querySelector("code") || pre;
    try {
      await copy(code.textContent);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Copy failed";
      button.title = String(error);
    }
    setTimeout(() => {
      button.textContent = "Copy";
    }, COPIED_FOR_MS);
  });
  return button;
}

function addCopyButtons(root) {
  for (const pre of root.querySelectorAll(CODE)) {
    if (pre.parentElement.classList.contains("codex-chat-code")) continue;
    const wrapper = document.createElement("div");
    wrapper.className = "codex-chat-code";
    pre.replaceWith(wrapper);
    wrapper.append(pre, copyButton(pre));
  }
}

function newlyFound(mutation) {
  if (mutation.type === "attributes") {
    const element = mutation.target;
    return element.classList.contains(FOUND) && !(mutation.oldValue || "").split(/\s+/).includes(FOUND);
  }
  return [...mutation.addedNodes].some(
    (node) => node.nodeType === Node.ELEMENT_NODE && (node.classList.contains(FOUND) || node.querySelector(`.${FOUND}`)),
  );
}

function scrollToFound(root) {
  // After layout, so that a page of messages just added has its height.
  requestAnimationFrame(() => {
    const found = root.querySelector(`.${FOUND}`);
    if (found) found.scrollIntoView({ block: "center" });
  });
}

function enhance(model, root) {
  const onKey = keyHandler(model);
  root.addEventListener("keydown", onKey, true); // capture: before the text box's own handler stops the event
  addCopyButtons(root);
  const observer = new MutationObserver((mutations) => {
    addCopyButtons(root);
    if (mutations.some(newlyFound)) scrollToFound(root);
  });
  observer.observe(root, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["class"],
    attributeOldValue: true,
  });
  return () => {
    observer.disconnect();
    root.removeEventListener("keydown", onKey, true);
  };
}

export default {
  render({ model, el }) {
    // ipywidgets renders a box's children before putting them in it: wait until this one is in its panel.
    let frame = 0;
    let stop = () => cancelAnimationFrame(frame);
    const attach = () => {
      const root = el.closest(PANEL);
      if (root) stop = enhance(model, root);
      else frame = requestAnimationFrame(attach);
    };
    attach();
    return () => stop();
  },
};
