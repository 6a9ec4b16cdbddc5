// ringdesk admin UI: tiny progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
document.addEventListener("submit", (event) => {
  // Long actions (syncs): say so and prevent a double submit.
  const form = event.target;
  if (form.dataset.busy) {
    const button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
  }
});
document.querySelectorAll("time[data-ts]").forEach((el) => {
  const ts = Number(el.dataset.ts);
  if (ts) el.textContent = new Date(ts * 1000).toLocaleString();
});
// Test console: a new scenario brings its own sample input, unless the admin edited it.
const scenario = document.getElementById("console_scenario");
const sampleInput = document.getElementById("console_inputs");
if (scenario && sampleInput) {
  let previous = scenario.selectedOptions[0];
  scenario.addEventListener("change", () => {
    const chosen = scenario.selectedOptions[0];
    const untouched = sampleInput.value.trim() === (previous?.dataset.sample || "").trim();
    if (chosen && (untouched || !sampleInput.value.trim())) sampleInput.value = chosen.dataset.sample || "";
    previous = chosen;
  });
}
// Copy buttons: data-copy names the element whose text is copied.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API (plain http off localhost): select it for Ctrl-C instead.
    window.getSelection().selectAllChildren(source);
    return;
  }
  button.dataset.copied = "1";
  setTimeout(() => delete button.dataset.copied, 2000);
});
